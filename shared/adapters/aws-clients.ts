import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * AWS SDK clients, built one way everywhere. Endpoints come from the SDK's own
 * configuration (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`), so the same code talks
 * to AWS in a stage, to host-run emulators here, and to a Docker LocalStack elsewhere.
 * Timeouts are short: every caller on a decision path has a budget of milliseconds.
 */
export interface AwsClientOptions {
  /** @default 1000 */
  readonly connectionTimeoutMs?: number;
  /** @default 3000 */
  readonly requestTimeoutMs?: number;
  /** @default 3 */
  readonly maxAttempts?: number;
}

function httpHandler(options: AwsClientOptions): NodeHttpHandler {
  // HTTP/1.1 on purpose: kinesis-local fails HTTP/2 negotiation, and the polling consumers
  // and PutRecords this product uses gain nothing from HTTP/2.
  return new NodeHttpHandler({
    connectionTimeout: options.connectionTimeoutMs ?? 1_000,
    requestTimeout: options.requestTimeoutMs ?? 3_000,
  });
}

export function createKinesisClient(options: AwsClientOptions = {}): KinesisClient {
  return new KinesisClient({ requestHandler: httpHandler(options), maxAttempts: options.maxAttempts ?? 3 });
}

export function createSecretsManagerClient(options: AwsClientOptions = {}): SecretsManagerClient {
  return new SecretsManagerClient({ requestHandler: httpHandler(options), maxAttempts: options.maxAttempts ?? 3 });
}
