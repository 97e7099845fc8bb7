import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { local } from '../../../test/local-env.js';
import { IngestPipeline } from '../pipeline.js';
import { replayRecording } from '../recording.js';
import { MemoryEventSink, MemoryMarkStore } from '../test-support/doubles.js';

const RECORDING = path.join(local.root, 'test/recordings/kraken-v2-fake-seed42.jsonl');
const run = promisify(execFile);

async function verify(file: string): Promise<{ code: number; summary: Record<string, unknown> }> {
  try {
    const { stdout } = await run('npm', ['run', '-s', 'kraken:verify', '--', file], { cwd: local.root });
    return { code: 0, summary: JSON.parse(stdout.trim().split('\n').at(-1)!) };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, summary: JSON.parse(failed.stdout.trim().split('\n').at(-1)!) };
  }
}

describe('CLI: kraken:verify', () => {
  it('validates the committed fake-server recording with 0 checksum failures', async () => {
    const { code, summary } = await verify(RECORDING);
    expect(code).toBe(0);
    expect(summary).toMatchObject({ checksum_failed: 0, parse_errors: 0, symbols: ['BTC/USD', 'ETH/USD'] });
    expect(summary.checksum_ok).toBe(summary.book_messages);
    expect(summary.book_messages as number).toBeGreaterThan(200);
    expect(summary.frames as number).toBeGreaterThan(summary.book_messages as number);
  });

  it('fails, exit code 1, on a recording with one tampered quantity', async () => {
    const lines = readFileSync(RECORDING, 'utf8').split('\n');
    const at = lines.findIndex((l) => l.startsWith('{"channel":"book","type":"update"') && l.includes('"qty":'));
    // Change one digit of the first quantity of an update: the checksum no longer matches.
    lines[at] = lines[at]!.replace(/"qty":(\d)/, (_m, d: string) => `"qty":${d === '9' ? '8' : String(Number(d) + 1)}`);
    const dir = mkdtempSync(path.join(tmpdir(), 'kraken-verify-'));
    const tampered = path.join(dir, 'tampered.jsonl');
    writeFileSync(tampered, lines.join('\n'));
    const { code, summary } = await verify(tampered);
    expect(code).toBe(1);
    expect(summary.checksum_failed).toBe(1);
    // After the failure the book waits for a snapshot: later updates are not "verified".
    expect(summary.updates_before_snapshot as number).toBeGreaterThan(0);
  });
});

describe('Function: replayRecording', () => {
  it('replays a recording through the ingest pipeline: every book verified, events and marks produced', async () => {
    const sink = new MemoryEventSink();
    const marks = new MemoryMarkStore();
    const pipeline = new IngestPipeline({ symbols: ['BTC/USD', 'ETH/USD'], depth: 10, sink, marks });
    const frames = await replayRecording(RECORDING, (frame, receiveMs) => pipeline.handle(frame, receiveMs));
    expect(frames).toBeGreaterThan(400);
    expect(pipeline.books.counters).toMatchObject({ checksumFailed: 0, snapshots: 2 });
    expect(pipeline.allLive()).toBe(true);
    expect(marks.marks.get('BTC/USD')?.status).toBe('live');
    const types = new Set(sink.events.map((e) => e.type));
    expect([...types].sort()).toEqual(['ticker', 'top_of_book', 'trade']);
  });

  it('paces by exchange timestamps when a speed is given', async () => {
    // The recording spans ~4 s of exchange time; at 20x it takes ~200 ms, never instant.
    const started = performance.now();
    await replayRecording(RECORDING, () => undefined, { speed: 20 });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThan(150);
    expect(elapsed).toBeLessThan(1_500);
  });
});
