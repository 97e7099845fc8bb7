import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findBoundaryViolations } from './check-boundaries.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const trees: string[] = [];

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'boundaries-'));
  trees.push(root);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

afterEach(() => {
  for (const root of trees.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe('Function: findBoundaryViolations', () => {
  it('finds no import across a unit boundary in this repository', () => {
    expect(findBoundaryViolations(ROOT)).toEqual([]);
  });

  it('flags a unit that imports another unit, and shared/ that imports a unit or a test file', () => {
    // Prepare
    const root = tree({
      'functions/a/handler.ts': "import { x } from '../b/app.js';\nimport { y } from '../../shared/y.js';",
      'functions/a/app.test.ts': "import { f } from '../../test/fakes/f.js';\nconst m = await import('../b/app.js');",
      'functions/b/app.ts': "export { fake } from '../../test/fakes/f.js';",
      'shared/y.ts': "import type { Z } from '../functions/a/handler.js';",
    });

    // Act
    const found = findBoundaryViolations(root).map((v) => `${v.file} -> ${v.specifier}`);

    // Assess
    expect(found.sort()).toEqual([
      'functions/a/app.test.ts -> ../b/app.js',
      'functions/a/handler.ts -> ../b/app.js',
      'functions/b/app.ts -> ../../test/fakes/f.js',
      'shared/y.ts -> ../functions/a/handler.js',
    ]);
  });

  it('flags SQL and Redis commands outside adapters/, and HTTP below the edge; comments and tests are free', () => {
    // Prepare
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a template literal in the checked file's text
    const useCaseText = 'const q = `SELECT id\n  FROM ${T.a} WHERE id = $1`;\nawait redis.hgetall(k);';
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a template literal in the checked file's text
    const domainText = 'await pool.query(`UPDATE ${TABLES.limits} SET x = 1`);';
    const root = tree({
      'functions/a/use-case.ts': useCaseText,
      'functions/a/app.ts': "throw new HttpError(404, 'NOT_FOUND', 'no');",
      'functions/a/outcome.ts': 'return { statusCode: 207, body };',
      'functions/a/adapters/postgres-a.ts': "await pool.query('INSERT INTO t (a) VALUES ($1)');\nawait redis.xadd(k);",
      'functions/a/router.ts': "throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'use GET');",
      'functions/a/notes.ts':
        '/** SELECT a FROM b, like the adapter does; HttpError at the edge */\n// redis.hset(k) there',
      'functions/a/use-case.test.ts': "await pool.query('DELETE FROM t');",
      'shared/domain/thing.ts': domainText,
    });

    // Act
    const found = findBoundaryViolations(root).map((v) => `${v.file} ${v.specifier}`);

    // Assess
    expect(found.sort()).toEqual([
      'functions/a/app.ts (HTTP)',
      'functions/a/outcome.ts (HTTP)',
      'functions/a/use-case.ts (Redis command)',
      'functions/a/use-case.ts (SQL)',
      'shared/domain/thing.ts (SQL)',
    ]);
  });
});
