import { type KinesisClient, PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import type { MarketEvent } from '../../shared/domain/market/events.js';
import { fullJitterDelayMs } from '../../shared/domain/market/reconnect-policy.js';
import type { MarketEventSink } from './ports.js';

/** PutRecords limits: 500 records and 5 MiB (data plus partition keys) per request. */
export const PUT_RECORDS_MAX_RECORDS = 500;
export const PUT_RECORDS_MAX_BYTES = 5 * 1024 * 1024;

export interface KinesisBatcherOptions {
  readonly client: KinesisClient;
  readonly streamName: string;
  /** How long the first queued record waits for company before a send. @default 20 */
  readonly lingerMs?: number;
  /** Bound of the in-memory buffer, in records. @default 100_000 */
  readonly maxBufferedRecords?: number;
  /** @default 500 */
  readonly maxBatchRecords?: number;
  /** @default 5 MiB */
  readonly maxBatchBytes?: number;
  /** Backoff of retries after a failed send. @default 100 / 5_000 */
  readonly retryBaseMs?: number;
  readonly retryCapMs?: number;
  readonly random?: () => number;
  /** Told about every overflow (the feed goes degraded; the metric is alarmed). */
  readonly onOverflow?: (dropped: number) => void;
  /** Told about every PutRecords call: latency, records sent, records that failed. */
  readonly onPut?: (result: { latencyMs: number; sent: number; failed: number; error?: unknown }) => void;
}

interface Entry {
  readonly data: Uint8Array;
  readonly key: string;
  readonly bytes: number;
}

export interface KinesisBatcherStats {
  queued: number;
  published: number;
  overflow: number;
  failedRecords: number;
  failedRequests: number;
}

/**
 * Batches market events into PutRecords calls with the symbol as partition key (so each
 * symbol's events stay ordered on one shard). A short linger collects a batch; records the
 * service refuses (throttling, internal errors) are re-queued at the front and retried with
 * backoff; a failed request re-queues all of its records. The buffer is bounded: when full,
 * `publish` refuses the event, counts it and reports it, so loss is never silent.
 *
 * One request is in flight at a time: simple ordering, and at this product's volumes one
 * shard's 1,000 records/s is the limit long before request concurrency is.
 */
export class KinesisEventBatcher implements MarketEventSink {
  readonly stats: KinesisBatcherStats = { queued: 0, published: 0, overflow: 0, failedRecords: 0, failedRequests: 0 };
  private queue: Entry[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private retryAttempt = 0;
  private readonly lingerMs: number;
  private readonly maxBuffered: number;
  private readonly maxRecords: number;
  private readonly maxBytes: number;
  private readonly encoder = new TextEncoder();

  constructor(private readonly options: KinesisBatcherOptions) {
    this.lingerMs = options.lingerMs ?? 20;
    this.maxBuffered = options.maxBufferedRecords ?? 100_000;
    this.maxRecords = Math.min(options.maxBatchRecords ?? PUT_RECORDS_MAX_RECORDS, PUT_RECORDS_MAX_RECORDS);
    this.maxBytes = Math.min(options.maxBatchBytes ?? PUT_RECORDS_MAX_BYTES, PUT_RECORDS_MAX_BYTES);
  }

  /** Records waiting to be sent (in flight ones included until acknowledged). */
  buffered(): number {
    return this.queue.length - this.head;
  }

  publish(event: MarketEvent): boolean {
    if (this.buffered() >= this.maxBuffered) {
      this.stats.overflow++;
      this.options.onOverflow?.(1);
      return false;
    }
    const data = this.encoder.encode(JSON.stringify(event));
    this.queue.push({ data, key: event.symbol, bytes: data.byteLength + Buffer.byteLength(event.symbol) });
    this.stats.queued++;
    this.schedule(this.buffered() >= this.maxRecords ? 0 : this.lingerMs);
    return true;
  }

  async flush(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((this.buffered() > 0 || this.sending) && Date.now() < deadline) {
      if (this.timer) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
      if (!this.sending) this.sending = this.sendBatch();
      await this.sending;
      if (this.retryAttempt > 0 && this.buffered() > 0) {
        const wait = Math.min(this.retryDelay(), Math.max(0, deadline - Date.now()));
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  private schedule(delayMs: number): void {
    if (this.sending) return; // the send loop picks the queue up when it finishes
    if (this.timer && delayMs > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.sending) this.sending = this.sendBatch();
    }, delayMs);
  }

  private retryDelay(): number {
    return Math.max(
      this.options.retryBaseMs ?? 100,
      fullJitterDelayMs(
        this.retryAttempt,
        this.options.retryBaseMs ?? 100,
        this.options.retryCapMs ?? 5_000,
        this.options.random ?? Math.random,
      ),
    );
  }

  private takeBatch(): Entry[] {
    const batch: Entry[] = [];
    let bytes = 0;
    while (this.head < this.queue.length && batch.length < this.maxRecords) {
      const entry = this.queue[this.head] as Entry;
      if (batch.length > 0 && bytes + entry.bytes > this.maxBytes) break;
      batch.push(entry);
      bytes += entry.bytes;
      this.head++;
    }
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return batch;
  }

  /** Puts failed entries back at the front, in their original order. */
  private requeue(entries: Entry[]): void {
    if (entries.length === 0) return;
    if (this.head >= entries.length) {
      this.head -= entries.length;
      for (let i = 0; i < entries.length; i++) this.queue[this.head + i] = entries[i] as Entry;
    } else {
      this.queue = [...entries, ...this.queue.slice(this.head)];
      this.head = 0;
    }
  }

  private async sendBatch(): Promise<void> {
    const batch = this.takeBatch();
    try {
      if (batch.length === 0) return;
      const records: PutRecordsRequestEntry[] = batch.map((entry) => ({ Data: entry.data, PartitionKey: entry.key }));
      const started = performance.now();
      try {
        const result = await this.options.client.send(
          new PutRecordsCommand({ StreamName: this.options.streamName, Records: records }),
        );
        const failed: Entry[] = [];
        (result.Records ?? []).forEach((record, i) => {
          if (record.ErrorCode) failed.push(batch[i] as Entry);
        });
        this.stats.published += batch.length - failed.length;
        this.stats.failedRecords += failed.length;
        this.options.onPut?.({ latencyMs: performance.now() - started, sent: batch.length, failed: failed.length });
        this.requeue(failed);
        this.retryAttempt = failed.length > 0 ? this.retryAttempt + 1 : 0;
      } catch (error) {
        this.stats.failedRequests++;
        this.options.onPut?.({
          latencyMs: performance.now() - started,
          sent: batch.length,
          failed: batch.length,
          error,
        });
        this.requeue(batch);
        this.retryAttempt++;
      }
    } finally {
      this.sending = undefined;
      if (this.buffered() > 0)
        this.schedule(
          this.retryAttempt > 0 ? this.retryDelay() : this.buffered() >= this.maxRecords ? 0 : this.lingerMs,
        );
    }
  }
}
