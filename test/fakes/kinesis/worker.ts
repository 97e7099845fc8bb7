import { parentPort, workerData } from 'node:worker_threads';
import { startFakeKinesisServer } from './server.js';

/**
 * Runs the fake Kinesis endpoint in a worker thread (AWS is another machine). Posts
 * `{ url }` once listening; on `{ count: true }` posts `{ accepted: total records }`; on
 * `{ close: true }` closes and posts `{ closed: true }`.
 */
const fake = await startFakeKinesisServer(workerData as { responseDelayMs?: number });
parentPort?.postMessage({ url: fake.url });
parentPort?.on('message', (message: { count?: boolean; close?: boolean }) => {
  if (message.count) parentPort?.postMessage({ accepted: fake.acceptedCount() });
  if (message.close) void fake.close().then(() => parentPort?.postMessage({ closed: true }));
});
