import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildApp } from './app.js';
import { gitBuildVersion } from './build-version.js';
import { stacksOf } from './test-helpers.js';

/** The prod stage's BUILD_VERSION values (every Lambda and container that carries one). */
function prodBuildVersions(context: Record<string, string>): string[] {
  const app = new App({
    context: { stage: 'prod', account: '123456789012', 'aws:cdk:bundling-stacks': [], ...context },
  });
  buildApp(app);
  const versions: string[] = [];
  for (const stack of stacksOf(app)) {
    const resources = Template.fromStack(stack).toJSON().Resources as Record<string, { Properties?: unknown }>;
    const text = JSON.stringify(resources);
    for (const match of text.matchAll(/"BUILD_VERSION","Value":"([^"]*)"|"BUILD_VERSION":"([^"]*)"/g))
      versions.push((match[1] ?? match[2]) as string);
  }
  return versions;
}

describe('Build stamp: BUILD_VERSION', () => {
  it('is the git revision in the synthesised prod template when no -c buildVersion is given', () => {
    // Prepare
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: import.meta.dirname, encoding: 'utf8' }).trim();

    // Act
    const versions = prodBuildVersions({});

    // Assess: the health function, the risk API and the containers all carry the same stamp.
    expect(versions.length).toBeGreaterThanOrEqual(3);
    expect(new Set(versions).size).toBe(1);
    const [version] = versions as [string];
    expect(version).not.toBe('local');
    expect(version).toMatch(/^[0-9a-f]{12}(-dirty)?$/);
    expect(head.startsWith(version.replace(/-dirty$/, ''))).toBe(true);
  }, 120_000);

  it('is what -c buildVersion says when given', () => {
    // Act
    const versions = prodBuildVersions({ buildVersion: 'release-2026.12.1' });

    // Assess
    expect(new Set(versions)).toEqual(new Set(['release-2026.12.1']));
  }, 120_000);

  it('says -dirty for a tree with uncommitted changes, and refuses outside a git checkout', () => {
    // Prepare: a throwaway repository with one commit, then an uncommitted file.
    const repo = mkdtempSync(path.join(os.tmpdir(), 'build-version-'));
    try {
      const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', stdio: 'pipe' });
      const outside = gitBuildVersion.bind(null, repo);
      expect(outside).toThrow(/pass -c buildVersion/);
      git('init', '-q');
      git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-q', '--allow-empty', '-m', 'first');
      const clean = gitBuildVersion(repo);
      execFileSync('touch', [path.join(repo, 'new-file.ts')]);

      // Act
      const dirty = gitBuildVersion(repo);

      // Assess
      expect(clean).toMatch(/^[0-9a-f]{12}$/);
      expect(dirty).toBe(`${clean}-dirty`);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});
