import { rmSync } from 'node:fs';
import WebSocket from 'ws';
import { FrameRecorder } from '../functions/market-ingester/recording.js';
import { startFakeKrakenServer } from '../test/fakes/kraken-ws/server.js';

/**
 * `npx tsx scripts/kraken-record-fake.ts OUT.jsonl [seconds] [seed]`: records
 * a session with the fake Kraken the way the ingester's RECORD_PATH does (raw frames, one per
 * line): instrument, then book/ticker/trade for BTC/USD and ETH/USD. The committed recording
 * under test/recordings/ was made with this.
 */
const [out, secondsArg = '4', seedArg = '42'] = process.argv.slice(2);
if (!out) {
  console.error('usage: scripts/kraken-record-fake.ts OUT.jsonl [seconds] [seed]');
  process.exit(2);
}
const symbols = ['BTC/USD', 'ETH/USD'];
const fake = await startFakeKrakenServer({
  seed: Number(seedArg),
  symbols,
  updatesPerSecond: 40,
  heartbeatIntervalMs: 1000,
});
rmSync(out, { force: true });
const recorder = new FrameRecorder(out);
const ws = new WebSocket(fake.url);
let reqId = 0;
const send = (body: Record<string, unknown>) => ws.send(JSON.stringify({ ...body, req_id: ++reqId }));
ws.on('open', () => send({ method: 'subscribe', params: { channel: 'instrument', snapshot: true } }));
ws.on('message', (data) => {
  const text = data.toString();
  recorder.write(text);
  if (text.startsWith('{"channel":"instrument"')) {
    send({ method: 'subscribe', params: { channel: 'book', symbol: symbols, depth: 10 } });
    send({ method: 'subscribe', params: { channel: 'ticker', symbol: symbols, snapshot: true } });
    send({ method: 'subscribe', params: { channel: 'trade', symbol: symbols, snapshot: false } });
    send({ method: 'ping' });
  }
});
await new Promise((resolve) => setTimeout(resolve, Number(secondsArg) * 1000));
ws.close();
await fake.close();
await recorder.close();
console.log(`recorded ${recorder.frames} frames to ${out}`);
