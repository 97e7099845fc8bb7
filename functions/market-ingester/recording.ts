import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { type KrakenFrame, parseKrakenFrame } from '../../shared/domain/market/kraken-v2.js';

/**
 * Recordings are JSONL: one raw v2 frame per line, byte for byte as Kraken sent it (numbers
 * keep their exact text), so a recording made by any WebSocket tool replays and verifies
 * the same way. Replay timing comes from the frames' own exchange timestamps.
 */
export class FrameRecorder {
  private readonly stream: WriteStream;
  frames = 0;

  constructor(path: string) {
    this.stream = createWriteStream(path, { flags: 'a' });
  }

  write(text: string): void {
    // A frame is one JSON value; Kraken never puts raw newlines in one, but be sure.
    this.stream.write(`${text.includes('\n') ? text.replace(/\n/g, ' ') : text}\n`);
    this.frames++;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(resolve));
  }
}

/** Every line of a recording, raw. Blank lines are skipped. */
export async function* readRecording(path: string): AsyncGenerator<string> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    const text = line.trim();
    if (text.length > 0) yield text;
  }
}

/** Exchange time (epoch ms) carried by a data frame, if any. */
export function frameTimeMs(frame: KrakenFrame): number | undefined {
  if (frame.kind === 'book' || frame.kind === 'trade' || frame.kind === 'ticker') {
    const ts = frame.data[0]?.timestamp;
    if (ts) {
      const ms = Date.parse(ts);
      if (!Number.isNaN(ms)) return ms;
    }
  }
  return undefined;
}

export interface ReplayOptions {
  /** 1 = real time, 10 = ten times faster, Infinity = as fast as possible. @default Infinity */
  readonly speed?: number;
}

/**
 * Feeds a recording through `onFrame` (the same parse/pipeline path as live frames), pacing
 * by the frames' exchange timestamps divided by `speed`. Returns the number of frames.
 */
export async function replayRecording(
  path: string,
  onFrame: (frame: KrakenFrame, receiveMs: number, text: string) => void,
  options: ReplayOptions = {},
): Promise<number> {
  const speed = options.speed ?? Number.POSITIVE_INFINITY;
  let firstExchangeMs: number | undefined;
  const startedMs = Date.now();
  let frames = 0;
  for await (const text of readRecording(path)) {
    const frame = parseKrakenFrame(text);
    const exchangeMs = frameTimeMs(frame);
    if (exchangeMs !== undefined && Number.isFinite(speed)) {
      firstExchangeMs ??= exchangeMs;
      const dueMs = startedMs + (exchangeMs - firstExchangeMs) / speed;
      const wait = dueMs - Date.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    onFrame(frame, Date.now(), text);
    frames++;
  }
  return frames;
}
