/**
 * Outbound channels of the controls use cases (kill switch engage, kill executor): ports
 * only; the AWS adapters are in shared/adapters/aws-channels.ts, the Kraken ones in
 * shared/adapters/kraken-rest.ts and kraken-keys.ts.
 */
export interface EventPublisher {
  publish(event: object, detailType: string): Promise<void>;
}

export interface Notifier {
  notify(subject: string, message: string): Promise<void>;
}

/** One account's Kraken API key. */
export interface KrakenCredentials {
  readonly apiKey: string;
  /** Base64 secret as Kraken issues it. Never logged, never put in an error. */
  readonly apiSecret: string;
}

/** Where each account's Kraken key is kept (Secrets Manager). */
export interface KrakenKeyVault {
  /** The account's key, or null when none is stored. */
  read(accountId: string): Promise<KrakenCredentials | null>;
  /** Stores (or replaces) the account's key; returns where it lives. */
  store(accountId: string, credentials: KrakenCredentials): Promise<string>;
}

/**
 * The Kraken private calls the controls make. Failures are `ExchangeCallError`s (from
 * shared/domain/errors.ts) whose `retryable` says whether trying again can help.
 */
export interface KrakenAccountApi {
  /** Account balances; proves a key works before it is stored. */
  balance(credentials: KrakenCredentials): Promise<Record<string, string>>;
  /** Cancels every open order of the key's account. */
  cancelAll(credentials: KrakenCredentials): Promise<{ count: number }>;
  /** Dead man's switch: cancel everything after `timeoutSeconds` unless re-armed (0 disarms). */
  cancelAllOrdersAfter(
    credentials: KrakenCredentials,
    timeoutSeconds: number,
  ): Promise<{ currentTime: string; triggerTime: string }>;
}
