import type { Worker } from 'node:worker_threads';
import type { MarketEvent } from '../../shared/domain/market/events.js';
import { siblingModule, startModuleWorker } from '../../shared/runtime/module-worker.js';
import type { KinesisBatcherStats } from './kinesis-sink.js';
import type { MarketEventSink } from './ports.js';

/** What the worker thread is started with (its `workerData`). */
export interface KinesisWorkerData {
  readonly streamName: string;
  readonly lingerMs: number;
  readonly requestTimeoutMs: number;
  readonly retryBaseMs?: number;
  readonly retryCapMs?: number;
}

/** Main thread -> worker. */
export type ToKinesisWorker =
  | { readonly type: 'events'; readonly events: readonly MarketEvent[] }
  | { readonly type: 'flush'; readonly id: number; readonly timeoutMs: number }
  | { readonly type: 'close' };

/** Worker -> main thread. */
export type FromKinesisWorker =
  | {
      readonly type: 'put';
      readonly latencyMs: number;
      readonly sent: number;
      readonly failed: number;
      readonly error?: string;
    }
  | { readonly type: 'flushed'; readonly id: number; readonly buffered: number };

export interface KinesisWorkerSinkOptions extends KinesisWorkerData {
  /** Bound of the buffer (records queued here or in the worker, unacknowledged). @default 100_000 */
  readonly maxBufferedRecords?: number;
  /** Told about every refused or lost record (the feed goes degraded; the metric is alarmed). */
  readonly onOverflow?: (dropped: number) => void;
  /** Told about every PutRecords call: latency, records sent, records that failed. */
  readonly onPut?: (result: { latencyMs: number; sent: number; failed: number; error?: string }) => void;
  /** Told when the worker stops unexpectedly (it is restarted; its unsent records are counted as lost). */
  readonly onWorkerError?: (error: unknown, lost: number) => void;
}

export interface KinesisWorkerSinkStats extends KinesisBatcherStats {
  /** Records that were in a worker that died before sending them. */
  lost: number;
}

/**
 * The Kinesis side of the ingester, run in a worker thread. PutRecords through the AWS SDK
 * costs milliseconds of CPU per batch (serialise, sign, parse the answer); on the main
 * thread that work sat in front of the next book frame and its Redis mark, which is the
 * latency the risk API sees. Here the main thread only hands events over once per turn of
 * the event loop; the worker batches, sends and retries them (see KinesisEventBatcher).
 *
 * The buffer bound is kept on this side: a record counts from `publish` until the worker
 * reports it published, so `buffered()` and overflow mean the same as with an in-thread
 * batcher. If the worker dies, the records it held are counted as lost and reported through
 * `onOverflow` (never silent), and a new worker is started.
 */
export class KinesisWorkerSink implements MarketEventSink {
  readonly stats: KinesisWorkerSinkStats = {
    queued: 0,
    published: 0,
    overflow: 0,
    failedRecords: 0,
    failedRequests: 0,
    lost: 0,
  };
  private worker: Worker;
  private pending: MarketEvent[] = [];
  private postScheduled = false;
  /** Published here, not yet acknowledged by the worker (pending included). */
  private outstanding = 0;
  private nextFlushId = 1;
  private readonly flushes = new Map<number, () => void>();
  private closing = false;
  private readonly maxBuffered: number;

  constructor(private readonly options: KinesisWorkerSinkOptions) {
    this.maxBuffered = options.maxBufferedRecords ?? 100_000;
    this.worker = this.spawn();
  }

  buffered(): number {
    return this.outstanding;
  }

  publish(event: MarketEvent): boolean {
    if (this.outstanding >= this.maxBuffered) {
      this.stats.overflow++;
      this.options.onOverflow?.(1);
      return false;
    }
    this.pending.push(event);
    this.outstanding++;
    this.stats.queued++;
    if (!this.postScheduled) {
      this.postScheduled = true;
      setImmediate(() => this.postPending());
    }
    return true;
  }

  /** Resolves when the worker has sent everything handed to it, or `timeoutMs` passed. */
  async flush(timeoutMs = 30_000): Promise<void> {
    this.postPending();
    if (this.outstanding === 0) return;
    const id = this.nextFlushId++;
    await new Promise<void>((resolve) => {
      // The worker honours the timeout itself; this guard covers a worker that cannot answer.
      const guard = setTimeout(() => {
        this.flushes.delete(id);
        resolve();
      }, timeoutMs + 1_000);
      this.flushes.set(id, () => {
        clearTimeout(guard);
        resolve();
      });
      this.post({ type: 'flush', id, timeoutMs });
    });
  }

  /** Stops the worker (after `flush`; records still buffered then are not sent). */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.post({ type: 'close' });
    const forced = setTimeout(() => void this.worker.terminate(), 2_000);
    await exited;
    clearTimeout(forced);
  }

  private postPending(): void {
    this.postScheduled = false;
    if (this.pending.length === 0) return;
    const events = this.pending;
    this.pending = [];
    this.post({ type: 'events', events });
  }

  private post(message: ToKinesisWorker): void {
    this.worker.postMessage(message);
  }

  private spawn(): Worker {
    const { streamName, lingerMs, requestTimeoutMs, retryBaseMs, retryCapMs } = this.options;
    const workerData: KinesisWorkerData = { streamName, lingerMs, requestTimeoutMs, retryBaseMs, retryCapMs };
    const worker = startModuleWorker(siblingModule(import.meta.url, 'kinesis-worker'), { workerData });
    let failure: unknown;
    worker.on('message', (message: FromKinesisWorker) => this.onMessage(message));
    worker.on('error', (error) => {
      failure = error;
    });
    worker.once('exit', (code) => {
      if (this.closing) return;
      // Everything handed over and not acknowledged died with the worker.
      const lost = this.outstanding - this.pending.length;
      this.stats.lost += lost;
      this.outstanding = this.pending.length;
      if (lost > 0) this.options.onOverflow?.(lost);
      this.options.onWorkerError?.(failure ?? new Error(`Kinesis worker exited with code ${code}`), lost);
      for (const resolve of this.flushes.values()) resolve();
      this.flushes.clear();
      this.worker = this.spawn();
      if (this.pending.length > 0) this.postPending();
    });
    return worker;
  }

  private onMessage(message: FromKinesisWorker): void {
    if (message.type === 'put') {
      const published = message.sent - message.failed;
      this.outstanding -= published;
      this.stats.published += published;
      if (message.error) this.stats.failedRequests++;
      else this.stats.failedRecords += message.failed;
      this.options.onPut?.(message);
      return;
    }
    const resolve = this.flushes.get(message.id);
    this.flushes.delete(message.id);
    resolve?.();
  }
}
