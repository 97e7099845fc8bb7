import { type KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import type { BalanceEvent, OrderEvent } from '../../../shared/domain/executions/events.js';
import { fullJitterDelayMs } from '../../../shared/domain/market/reconnect-policy.js';
import type { ExecutionEventSink } from '../ports.js';

interface Entry {
  readonly key: string;
  readonly data: Uint8Array;
  readonly queuedMs: number;
}

/**
 * Publishes execution events to Kinesis `executions` with the account as partition key, so
 * one account's events stay in order on one shard. One PutRecords in flight at a time;
 * records the service refuses go back to the front of the queue (order kept) and are retried
 * with backoff. Nothing is dropped: a queue that stops draining shows as
 * {@link oldestPendingAgeMs}, which fails the accounts closed and the gate unhealthy.
 */
export class KinesisExecutionSink implements ExecutionEventSink {
  private queue: Entry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private attempt = 0;
  readonly stats = { published: 0, failedRequests: 0, failedRecords: 0 };

  constructor(
    private readonly client: KinesisClient,
    private readonly streamName: string,
    private readonly lingerMs = 10,
    private readonly onError?: (error: unknown) => void,
  ) {}

  publish(accountId: string, event: OrderEvent | BalanceEvent): void {
    this.queue.push({ key: accountId, data: Buffer.from(JSON.stringify(event)), queuedMs: Date.now() });
    this.schedule(this.lingerMs);
  }

  oldestPendingAgeMs(nowMs: number): number {
    const first = this.queue[0];
    return first ? Math.max(0, nowMs - first.queuedMs) : 0;
  }

  async flush(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((this.queue.length > 0 || this.sending) && Date.now() < deadline) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      if (!this.sending) this.sending = this.send();
      await this.sending;
      if (this.attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private schedule(delayMs: number): void {
    if (this.sending || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.sending) this.sending = this.send();
    }, delayMs);
  }

  private async send(): Promise<void> {
    const batch = this.queue.splice(0, 500);
    try {
      if (batch.length === 0) return;
      try {
        const result = await this.client.send(
          new PutRecordsCommand({
            StreamName: this.streamName,
            Records: batch.map((e) => ({ PartitionKey: e.key, Data: e.data })),
          }),
        );
        const failed = batch.filter((_e, i) => result.Records?.[i]?.ErrorCode);
        this.stats.published += batch.length - failed.length;
        this.stats.failedRecords += failed.length;
        this.queue.unshift(...failed);
        this.attempt = failed.length > 0 ? this.attempt + 1 : 0;
      } catch (error) {
        this.stats.failedRequests++;
        this.queue.unshift(...batch);
        this.attempt++;
        this.onError?.(error);
      }
    } finally {
      this.sending = undefined;
      if (this.queue.length > 0) {
        this.schedule(this.attempt > 0 ? Math.max(50, fullJitterDelayMs(this.attempt, 100, 5_000, Math.random)) : 0);
      }
    }
  }
}
