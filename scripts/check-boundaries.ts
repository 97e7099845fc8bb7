import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * The import boundaries of the codebase, checked on every `npm run lint` and `npm test`
 * (and by scripts/check-boundaries.test.ts), so the shape cannot erode:
 *
 * - a unit under `functions/<unit>/` imports only its own files, `shared/` and packages;
 * - `shared/` imports only `shared/` and packages: never a unit, a script or a test file;
 * - test code (`*.test.ts`, `*.bench.ts`) may also import the harness in `test/`, never
 *   another unit: a test that composes several units lives in `test/system/`;
 * - SQL statements and Redis commands appear only in adapters (a folder named `adapters/`),
 *   so a use case can be read, and tested on in-memory ports, without a store;
 * - HTTP errors and status codes appear only at an edge (a router, `*-routes.ts`, a
 *   handler, the edge's error mapper, and `shared/runtime/` which builds responses).
 *
 * `scripts/`, `infra/` and `test/` compose units and are not checked here.
 */
const SKIP = new Set(['node_modules', '.git', 'cdk.out', '.local']);
const IMPORT = /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]+)\1/g;

/** A statement a store runs: SQL (the keywords that start one) and ioredis commands by name. */
const SQL = /\b(?:SELECT\s[\s\S]{0,400}?\sFROM|INSERT\s+INTO|DELETE\s+FROM|UPDATE\s+\$?\{?[\w.]+\}?\s+SET)\b/;
const REDIS_COMMAND =
  /\.(?:hset|hget|hgetall|hmget|hdel|hincrby|xadd|xrange|xread|xreadgroup|evalsha|sadd|smembers|srem|zadd|zrange|pexpire|pttl)\(/;
const HTTP = /\bHttpError\b|\bstatusCode\s*:/;

const isAdapter = (relative: string) => relative.split(path.sep).includes('adapters');
const isEdge = (relative: string) =>
  /(^|\/)(router|handler|http-errors|[\w-]+-routes)\.ts$/.test(relative.split(path.sep).join('/')) ||
  relative.startsWith(`shared${path.sep}runtime${path.sep}`);
/** WebSocket clients see an HTTP status on a refused upgrade: that is a venue's protocol, not our edge. */
const isVenueClient = (relative: string) => /(kraken-client|private-connection)\.ts$/.test(relative);

export interface BoundaryViolation {
  readonly file: string;
  readonly specifier: string;
  readonly rule: string;
}

function sourceFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (SKIP.has(entry)) continue;
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) found.push(...sourceFiles(full));
    else if (/\.(m|c)?ts$/.test(entry) && !entry.endsWith('.d.ts')) found.push(full);
  }
  return found;
}

const isTestCode = (file: string) => /\.(test|bench)\.ts$/.test(file);

/** Which top-level area a repo-relative path belongs to: `functions/<unit>`, `shared`, `test`, or another folder. */
function areaOf(relative: string): string {
  const [top, second] = relative.split(path.sep);
  return top === 'functions' && second ? `functions/${second}` : (top ?? '');
}

/** Every import under `functions/` and `shared/` of the tree at `root` that crosses a boundary. */
export function findBoundaryViolations(root: string): BoundaryViolation[] {
  const violations: BoundaryViolation[] = [];
  for (const top of ['functions', 'shared']) {
    const dir = path.join(root, top);
    let files: string[];
    try {
      files = sourceFiles(dir);
    } catch {
      continue;
    }
    for (const file of files) {
      const relative = path.relative(root, file);
      const from = areaOf(relative);
      const allowed = new Set([from, 'shared', ...(isTestCode(file) ? ['test'] : [])]);
      const text = readFileSync(file, 'utf8');
      if (!isTestCode(file)) {
        const code = withoutComments(text);
        if (!isAdapter(relative) && SQL.test(code)) {
          violations.push({ file: relative, specifier: '(SQL)', rule: 'SQL lives in adapters/ only' });
        }
        if (!isAdapter(relative) && REDIS_COMMAND.test(code)) {
          violations.push({
            file: relative,
            specifier: '(Redis command)',
            rule: 'Redis commands live in adapters/ only',
          });
        }
        if (!isEdge(relative) && !isVenueClient(relative) && HTTP.test(code)) {
          violations.push({
            file: relative,
            specifier: '(HTTP)',
            rule: 'HTTP errors and status codes live at an edge only (router, *-routes, handler, http-errors)',
          });
        }
      }
      for (const match of text.matchAll(IMPORT)) {
        const specifier = match[2] as string;
        const target = areaOf(path.relative(root, path.resolve(path.dirname(file), specifier)));
        if (allowed.has(target)) continue;
        const rule = from.startsWith('functions/')
          ? `a unit imports only its own files and shared/${isTestCode(file) ? ' (tests also test/)' : ''}: ${target} is out of bounds`
          : `shared/ imports only shared/${isTestCode(file) ? ' (tests also test/)' : ''}: ${target} is out of bounds`;
        violations.push({ file: relative, specifier, rule });
      }
    }
  }
  return violations;
}

/** Source without its comments, so a comment may name a table or a status without breaking a rule. */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = path.resolve(import.meta.dirname, '..');
  const violations = findBoundaryViolations(root);
  for (const v of violations) console.error(`${v.file}: import '${v.specifier}': ${v.rule}`);
  if (violations.length > 0) {
    console.error(`${violations.length} boundary violation(s) (see docs/architecture.md, "Adding a unit")`);
    process.exit(1);
  }
  console.log('boundaries: ok (imports, SQL and Redis in adapters, HTTP at the edge)');
}
