import { parentPort, workerData } from 'node:worker_threads';
import { type FakeKrakenOptions, startFakeKrakenServer } from './server.js';

/**
 * Runs the fake Kraken in a worker thread, so a benchmark's exchange does not share an
 * event loop with the ingester it measures (real Kraken is another machine). Posts
 * `{ url }` once listening, then `{ frames: [checksum, sentAtEpochMs][] }` every 20 ms for
 * book frames that moved the top of book, with epoch-based high-resolution send times
 * (`performance.timeOrigin + performance.now()`, comparable across threads).
 */
const options = workerData as Omit<FakeKrakenOptions, 'onBookFrame'>;
let batch: [number, number][] = [];
const fake = await startFakeKrakenServer({
  ...options,
  onBookFrame: (info) => {
    if (info.topChanged) batch.push([info.checksum, performance.timeOrigin + info.sentAt]);
  },
});
const flusher = setInterval(() => {
  if (batch.length === 0) return;
  parentPort?.postMessage({ frames: batch });
  batch = [];
}, 20);
parentPort?.postMessage({ url: fake.url });
parentPort?.on('message', (message: { close?: boolean }) => {
  if (!message.close) return;
  clearInterval(flusher);
  if (batch.length > 0) parentPort?.postMessage({ frames: batch });
  void fake.close().then(() => parentPort?.postMessage({ closed: true }));
});
