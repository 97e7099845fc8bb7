import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { App, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { afterAll, describe, expect, it } from 'vitest';
import { AccountFeedService } from './constructs/account-feed-service.js';
import { MarketIngesterService } from './constructs/market-ingester-service.js';

/**
 * Container images build from their own context. No Docker engine runs here, so each
 * image's build stage is replayed without one: CDK stages the image's context exactly as a
 * deploy would (the construct's `imageFromRepository`, its exclusions included), the files
 * the stage's COPY lines name are copied from that context into an empty folder, and its RUN
 * lines run there. A source file that imports from outside what the Dockerfile copies (say
 * an ingester file reaching into infra/ or another unit) fails the bundle step here as it
 * would in `docker build`.
 *
 * One liberty: `npm ci` is replaced by a link to the repository's node_modules, which the
 * same `npm ci` made from the same package-lock.json (the test checks the copied lock is that
 * one); reinstalling ~400 MB per image offline would not prove anything more about the
 * context and would cost a minute.
 */
const ROOT = path.resolve(import.meta.dirname, '..');
const execFileAsync = promisify(execFile);

/** Every image the app builds from the repository; a Dockerfile missing here fails the test. */
const IMAGES: Record<string, () => ecs.ContainerImage> = {
  'market-ingester': () => MarketIngesterService.imageFromRepository(),
  'account-feed': () => AccountFeedService.imageFromRepository(),
};

const scratch = mkdtempSync(path.join(os.tmpdir(), 'container-context-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const staged = new Map<string, { context: string; dockerfile: string }>();

/**
 * Stages the image's build context as `cdk synth` does (once per image and folder); returns
 * the context dir and the Dockerfile path in it.
 */
function stagedContext(image: () => ecs.ContainerImage, root: string): { context: string; dockerfile: string } {
  const known = staged.get(root);
  if (known) return known;
  const outdir = path.join(root, 'cdk.out');
  const app = new App({ outdir });
  const stack = new Stack(app, 'ContextOnly', { env: { account: '123456789012', region: 'eu-west-1' } });
  new ecs.FargateTaskDefinition(stack, 'Task').addContainer('App', { image: image(), memoryLimitMiB: 512 });
  const assembly = app.synth();
  const manifest = JSON.parse(
    readFileSync(path.join(assembly.directory, `${stack.artifactId}.assets.json`), 'utf8'),
  ) as { dockerImages: Record<string, { source: { directory: string; dockerFile?: string } }> };
  const [asset] = Object.values(manifest.dockerImages);
  if (!asset) throw new Error('the stack staged no image');
  const context = path.join(assembly.directory, asset.source.directory);
  const found = { context, dockerfile: path.join(context, asset.source.dockerFile ?? 'Dockerfile') };
  staged.set(root, found);
  return found;
}

interface BuildStep {
  readonly kind: 'COPY' | 'RUN' | 'WORKDIR' | 'ARG' | 'ENV';
  readonly args: string;
}

/** The instructions of the first (build) stage, continuation lines joined. */
function buildStage(dockerfile: string): BuildStep[] {
  const lines = readFileSync(dockerfile, 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const froms = lines.flatMap((l, i) => (l.startsWith('FROM ') ? [i] : []));
  const stage = lines.slice((froms[0] ?? -1) + 1, froms[1] ?? lines.length);
  return stage.map((line) => {
    const [kind, ...rest] = line.split(/\s+/);
    if (!['COPY', 'RUN', 'WORKDIR', 'ARG', 'ENV'].includes(kind as string))
      throw new Error(`build stage instruction this test does not replay: ${line}`);
    return { kind: kind as BuildStep['kind'], args: rest.join(' ') };
  });
}

/** Replays the build stage in an empty folder; returns what RUN printed, throws on the first failure. */
async function replay(context: string, steps: BuildStep[], root: string): Promise<string> {
  const image = path.join(root, 'image'); // the container's file system: /src -> image/src, /out -> image/out
  const inImage = (p: string) => path.join(image, p);
  let workdir = '/';
  const env: Record<string, string> = { ...process.env } as Record<string, string>;
  let printed = '';
  for (const step of steps) {
    if (step.kind === 'WORKDIR') {
      workdir = path.posix.resolve(workdir, step.args);
      mkdirSync(inImage(workdir), { recursive: true });
    } else if (step.kind === 'ARG' || step.kind === 'ENV') {
      for (const assignment of step.args.split(/\s+/)) {
        const [name, value] = assignment.split('=') as [string, string | undefined];
        if (value !== undefined) env[name] = value;
      }
    } else if (step.kind === 'COPY') {
      const parts = step.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      if (step.args.includes('--from=')) throw new Error('a build stage COPY --from is not replayed');
      const dest = parts.pop() as string;
      const target = path.posix.resolve(workdir, dest);
      for (const source of parts) {
        const from = path.join(context, source);
        if (!existsSync(from)) throw new Error(`COPY ${source}: not in the image's build context`);
        const to =
          dest.endsWith('/') || parts.length > 1 ? path.join(inImage(target), path.basename(source)) : inImage(target);
        cpSync(from, to, { recursive: true });
      }
    } else if (step.kind === 'RUN') {
      for (const command of step.args.split(/\s*&&\s*/)) {
        if (/^npm ci\b/.test(command)) {
          const lock = path.join(inImage(workdir), 'package-lock.json');
          expect(readFileSync(lock, 'utf8')).toBe(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
          symlinkSync(path.join(ROOT, 'node_modules'), path.join(inImage(workdir), 'node_modules'), 'dir');
          continue;
        }
        // Absolute paths are the image's: /out is image/out.
        const local = command.replace(
          /(^|\s)\/(out|src)\b/g,
          (_m, space: string, dir: string) => `${space}${inImage(dir)}`,
        );
        const { stdout, stderr } = await execFileAsync('sh', ['-c', local], {
          cwd: inImage(workdir),
          env,
          timeout: 120_000,
        }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
          throw new Error(`RUN ${command} failed in the copied context:\n${error.stderr ?? ''}${error.stdout ?? ''}`);
        });
        printed += stdout + stderr;
      }
    }
  }
  return printed;
}

describe('Container images: the build stage runs from its own context', () => {
  it('covers every Dockerfile in the repository', () => {
    // Prepare
    const dockerfiles = readdirSync(path.join(ROOT, 'functions')).filter((unit) =>
      existsSync(path.join(ROOT, 'functions', unit, 'Dockerfile')),
    );

    // Assess
    expect(dockerfiles.sort()).toEqual(Object.keys(IMAGES).sort());
  });

  it.each(Object.keys(IMAGES))(
    '%s: COPY then RUN in an empty folder builds the bundle',
    async (unit) => {
      // Prepare
      const root = path.join(scratch, unit);
      const { context, dockerfile } = stagedContext(IMAGES[unit] as () => ecs.ContainerImage, root);
      expect(path.relative(context, dockerfile)).toBe(`functions/${unit}/Dockerfile`);
      const steps = buildStage(dockerfile);

      // Act
      await replay(context, steps, root);

      // Assess: the runtime stage copies /out; it holds the entry bundles and nothing came from outside.
      const out = readdirSync(path.join(root, 'image', 'out'));
      expect(out).toContain('main.mjs');
      expect(out).toContain('healthcheck.mjs');
      expect(readdirSync(path.join(root, 'image', 'src')).sort()).toEqual(
        expect.arrayContaining(['node_modules', 'package-lock.json', 'package.json', 'shared', 'tsconfig.json']),
      );
    },
    180_000,
  );

  it('fails when a unit file imports from outside what its Dockerfile copies', async () => {
    // Prepare: the account feed's context plus one file of its own that reaches into infra/.
    const root = path.join(scratch, 'escape');
    const staged = stagedContext(
      IMAGES['account-feed'] as () => ecs.ContainerImage,
      path.join(scratch, 'account-feed'),
    );
    const context = path.join(root, 'context');
    cpSync(staged.context, context, { recursive: true });
    const dockerfile = path.join(context, path.relative(staged.context, staged.dockerfile));
    const main = path.join(context, 'functions/account-feed/main.ts');
    expect(main.startsWith(root)).toBe(true); // the staged copy, never the repository's file
    writeFileSync(main, `import '../../infra/constructs/network.js';\n${readFileSync(main, 'utf8')}`);

    // Act
    const replayed = replay(context, buildStage(dockerfile), root);

    // Assess
    await expect(replayed).rejects.toThrow(/failed in the copied context[\s\S]*infra\/constructs\/network/);
  }, 180_000);
});
