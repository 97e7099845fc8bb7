import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * The build stamp a synth or deploy bakes into BUILD_VERSION when no `-c buildVersion` is
 * given: the git revision (short sha), with `-dirty` when the working tree differs from it
 * (tracked changes or untracked files, either of which may be in a bundle). Outside a git
 * checkout there is nothing honest to stamp, so it refuses instead of stamping `local`.
 */
export function gitBuildVersion(cwd: string = path.resolve(import.meta.dirname, '..')): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: 'pipe' }).trim();
  let revision: string;
  try {
    revision = git('rev-parse', '--short=12', 'HEAD');
  } catch (error) {
    throw new Error(
      `no git revision to stamp BUILD_VERSION with (${String(error).split('\n')[0]}); pass -c buildVersion=<id>`,
    );
  }
  return git('status', '--porcelain') === '' ? revision : `${revision}-dirty`;
}
