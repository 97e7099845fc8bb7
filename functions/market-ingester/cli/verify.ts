import { KrakenProtocolError, parseKrakenFrame } from '../../../shared/domain/market/kraken-v2.js';
import { MarketBooks } from '../../../shared/domain/market/market-books.js';
import { readRecording } from '../recording.js';

/**
 * `npm run kraken:verify -- FILE.jsonl [--depth N]`: replays raw Kraken v2 frames (one per
 * line) through the same book code as the ingester, learning precisions from `instrument`
 * frames and each book's depth from its subscribe ack (or --depth, default 10), and checks
 * every book checksum. The LAST line printed is a JSON summary; exit code 1 when any
 * checksum failed or any frame could not be parsed.
 */
export interface VerifySummary {
  file: string;
  frames: number;
  book_messages: number;
  checksum_ok: number;
  checksum_failed: number;
  snapshots: number;
  updates: number;
  updates_before_snapshot: number;
  unknown_instrument: number;
  trades: number;
  tickers: number;
  heartbeats: number;
  parse_errors: number;
  symbols: string[];
}

export async function verifyRecording(file: string, defaultDepth = 10): Promise<VerifySummary> {
  const books = new MarketBooks(defaultDepth);
  const summary: VerifySummary = {
    file,
    frames: 0,
    book_messages: 0,
    checksum_ok: 0,
    checksum_failed: 0,
    snapshots: 0,
    updates: 0,
    updates_before_snapshot: 0,
    unknown_instrument: 0,
    trades: 0,
    tickers: 0,
    heartbeats: 0,
    parse_errors: 0,
    symbols: [],
  };
  const symbols = new Set<string>();
  for await (const text of readRecording(file)) {
    summary.frames++;
    let frame: ReturnType<typeof parseKrakenFrame>;
    try {
      frame = parseKrakenFrame(text);
    } catch (error) {
      if (!(error instanceof KrakenProtocolError)) throw error;
      summary.parse_errors++;
      continue;
    }
    switch (frame.kind) {
      case 'instrument':
        for (const pair of frame.pairs) books.setInstrument(pair);
        break;
      case 'ack':
        if (frame.method === 'subscribe' && frame.channel === 'book' && frame.symbol && frame.depth) {
          books.setDepth(frame.symbol, frame.depth);
        }
        break;
      case 'book':
        for (const data of frame.data) {
          summary.book_messages++;
          symbols.add(data.symbol);
          const outcome = books.apply(frame.type, data);
          if (outcome.kind === 'awaiting_snapshot') summary.updates_before_snapshot++;
          if (outcome.kind === 'unknown_instrument') summary.unknown_instrument++;
        }
        break;
      case 'trade':
        summary.trades += frame.data.length;
        break;
      case 'ticker':
        summary.tickers += frame.data.length;
        break;
      case 'heartbeat':
        summary.heartbeats++;
        break;
      default:
        break;
    }
  }
  summary.checksum_ok = books.counters.checksumOk;
  summary.checksum_failed = books.counters.checksumFailed;
  summary.snapshots = books.counters.snapshots;
  summary.updates = books.counters.updates;
  summary.symbols = [...symbols].sort();
  return summary;
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const args = process.argv.slice(2);
  const depthAt = args.indexOf('--depth');
  const depth = depthAt >= 0 ? Number(args[depthAt + 1]) : 10;
  const file = args.find((arg, i) => !arg.startsWith('--') && (depthAt < 0 || i !== depthAt + 1));
  if (!file || !Number.isInteger(depth)) {
    console.error('usage: npm run kraken:verify -- FILE.jsonl [--depth N]');
    process.exit(2);
  }
  const summary = await verifyRecording(file, depth);
  if (summary.checksum_failed > 0) console.error(`checksum failures: ${summary.checksum_failed}`);
  if (summary.unknown_instrument > 0) console.error('book frames before any instrument frame: precisions unknown');
  console.log(JSON.stringify(summary));
  process.exit(summary.checksum_failed > 0 || summary.parse_errors > 0 || summary.unknown_instrument > 0 ? 1 : 0);
}
