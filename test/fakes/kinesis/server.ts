import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback Kinesis endpoint that answers PutRecords the way AWS does (AWS JSON 1.1,
 * `X-Amz-Target: Kinesis_20131202.PutRecords`), after a fixed delay standing in for the
 * network round trip. It keeps what it accepted per partition key, in order, and can refuse
 * records (ProvisionedThroughputExceededException, as a hot shard does) or whole requests
 * (InternalFailure), which kinesis-local cannot be made to do.
 *
 * Used by the batcher's fault tests and the ingester's latency benchmark. kinesis-local is
 * the stand-in every other test uses, but on a 2-core machine one PutRecords of up to 500
 * records costs it about 1 s (up to 3 s; the cost grows with the records it holds; the
 * benchmark reports `kinesis_local_put_*`), so at the benchmark's ~1,000 events/s it takes a
 * whole core and still falls behind; measured against it, the mark-path figure is the
 * emulator's CPU, not the ingester's. AWS is another machine; this costs next to nothing.
 */
export interface FakeKinesisServer {
  readonly url: string;
  /** Accepted record payloads (UTF-8), per partition key, in the order accepted. */
  readonly accepted: Map<string, string[]>;
  /** Every PutRecords request: its record count and payload bytes (data plus keys). */
  readonly requests: { records: number; bytes: number }[];
  readonly faults: {
    /** The next `n` records are refused with ProvisionedThroughputExceededException. */
    throttleRecords(n: number): void;
    /** The next `n` requests fail with HTTP 500 InternalFailure. */
    failRequests(n: number): void;
  };
  acceptedCount(): number;
  close(): Promise<void>;
}

interface PutRecordsBody {
  readonly StreamName?: string;
  readonly Records?: readonly { readonly Data: string; readonly PartitionKey: string }[];
}

export async function startFakeKinesisServer(options: { responseDelayMs?: number } = {}): Promise<FakeKinesisServer> {
  const accepted = new Map<string, string[]>();
  const requests: { records: number; bytes: number }[] = [];
  let throttle = 0;
  let failing = 0;
  let sequence = 0n;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const reply = (status: number, body: unknown) => {
        const text = JSON.stringify(body);
        setTimeout(() => {
          res.writeHead(status, {
            'content-type': 'application/x-amz-json-1.1',
            'content-length': Buffer.byteLength(text),
          });
          res.end(text);
        }, options.responseDelayMs ?? 0);
      };
      if (target !== 'Kinesis_20131202.PutRecords') {
        reply(400, { __type: 'UnknownOperationException', message: `not served by this fake: ${target}` });
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as PutRecordsBody;
      const records = body.Records ?? [];
      if (!body.StreamName || records.length === 0 || records.length > 500) {
        reply(400, { __type: 'ValidationException', message: 'StreamName and 1..500 Records are required' });
        return;
      }
      let bytes = 0;
      const decoded = records.map((record) => {
        const data = Buffer.from(record.Data, 'base64');
        bytes += data.byteLength + Buffer.byteLength(record.PartitionKey);
        return { key: record.PartitionKey, data: data.toString('utf8') };
      });
      requests.push({ records: records.length, bytes });
      if (failing > 0) {
        failing--;
        reply(500, { __type: 'InternalFailure', message: 'injected' });
        return;
      }
      let failed = 0;
      const results = decoded.map(({ key, data }) => {
        if (throttle > 0) {
          throttle--;
          failed++;
          return {
            ErrorCode: 'ProvisionedThroughputExceededException',
            ErrorMessage: 'Rate exceeded for shard shardId-000000000000',
          };
        }
        const list = accepted.get(key) ?? [];
        if (list.length === 0) accepted.set(key, list);
        list.push(data);
        return { SequenceNumber: String(++sequence).padStart(56, '0'), ShardId: 'shardId-000000000000' };
      });
      reply(200, { FailedRecordCount: failed, Records: results });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    accepted,
    requests,
    faults: {
      throttleRecords: (n) => {
        throttle = n;
      },
      failRequests: (n) => {
        failing = n;
      },
    },
    acceptedCount: () => {
      let total = 0;
      for (const list of accepted.values()) total += list.length;
      return total;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
