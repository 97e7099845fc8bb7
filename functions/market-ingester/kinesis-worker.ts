import { parentPort, workerData } from 'node:worker_threads';
import { createKinesisClient } from '../../shared/adapters/aws-clients.js';
import { KinesisEventBatcher } from './kinesis-sink.js';
import type { FromKinesisWorker, KinesisWorkerData, ToKinesisWorker } from './kinesis-worker-sink.js';

/**
 * Worker thread behind KinesisWorkerSink: owns the Kinesis client and the batcher. The
 * buffer bound is enforced by the main thread, so the batcher here never refuses a record.
 */
if (!parentPort) throw new Error('kinesis-worker runs as a worker thread');
const port = parentPort;
const data = workerData as KinesisWorkerData;
const reply = (message: FromKinesisWorker) => port.postMessage(message);

const client = createKinesisClient({ requestTimeoutMs: data.requestTimeoutMs });
const batcher = new KinesisEventBatcher({
  client,
  streamName: data.streamName,
  lingerMs: data.lingerMs,
  retryBaseMs: data.retryBaseMs,
  retryCapMs: data.retryCapMs,
  maxBufferedRecords: Number.MAX_SAFE_INTEGER,
  onPut: ({ latencyMs, sent, failed, error }) =>
    reply({ type: 'put', latencyMs, sent, failed, ...(error ? { error: String(error) } : {}) }),
});

port.on('message', (message: ToKinesisWorker) => {
  switch (message.type) {
    case 'events':
      for (const event of message.events) batcher.publish(event);
      return;
    case 'flush':
      void batcher
        .flush(message.timeoutMs)
        .then(() => reply({ type: 'flushed', id: message.id, buffered: batcher.buffered() }));
      return;
    case 'close':
      client.destroy();
      process.exit(0); // ends this thread only
      return;
  }
});
