import { readFileSync } from 'node:fs';
import { parseKrakenFrame } from '../../../shared/domain/market/kraken-v2.js';
import { IngestPipeline } from '../pipeline.js';

/** A recording's book path, replayed lap after lap (the peers benchmark and `cli/book-throughput.ts`). */
export interface RecordedBookLap {
  /** The recording's book and instrument frames, as text. */
  readonly frames: readonly string[];
  /** Replays every frame through `parseKrakenFrame` and a fresh `IngestPipeline` (sinks no-op); answers the book updates applied. */
  readonly lap: () => number;
}

/**
 * Reads the book and instrument frames of a `.jsonl` recording once and returns a lap over
 * them: a fresh pipeline per lap, subscribed to every symbol the book frames name, so each lap
 * starts from the snapshot as a new connection would. A checksum failure throws: a benchmark
 * of a book that does not verify measures nothing.
 */
export function recordedBookLap(file: string, receiveMs: number): RecordedBookLap {
  const frames = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{"channel":"book"') || line.startsWith('{"channel":"instrument"'))
    // Each frame as the ingester gets it: its own string decoded from the message's bytes
    // (ws hands over a Buffer; kraken-client.ts calls toString). A line of `split` is a slice
    // of the whole file, which V8 reads through one more indirection per character.
    .map((line) => Buffer.from(line, 'utf8').toString('utf8'));
  const symbols = new Set<string>();
  for (const line of frames) {
    if (!line.startsWith('{"channel":"book"')) continue;
    for (const row of (JSON.parse(line) as { data: { symbol: string }[] }).data) symbols.add(row.symbol);
  }
  const noop = () => undefined;
  const lap = () => {
    const pipeline = new IngestPipeline({
      symbols: [...symbols],
      depth: 10,
      sink: { publish: () => true, flush: async () => undefined },
      marks: { put: noop, markStale: noop, touch: noop, setFeedStatus: noop, flush: async () => undefined },
    });
    for (const text of frames) pipeline.handle(parseKrakenFrame(text), receiveMs);
    if (pipeline.books.counters.checksumFailed > 0) throw new Error('checksum failure replaying the recording');
    return pipeline.books.counters.updates;
  };
  return { frames, lap };
}
