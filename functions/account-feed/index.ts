/**
 * What local mode and system tests use of the account feed: its config, the service and the
 * adapters to start it in-process.
 */
export { type AccountFeedPorts, AccountFeedService, type AccountFeedSettings } from './account-feed.js';
export { KinesisExecutionSink } from './adapters/kinesis-execution-sink.js';
export { KrakenRestTokenSource } from './adapters/kraken-token-source.js';
export {
  RedisAccountFeedStatusStore,
  RedisDecisionLookup,
  RedisGateHealth,
  RedisUnvettedOrderAudit,
} from './adapters/redis-stores.js';
export { RISK_API_UNANSWERED, RiskApiProbe } from './adapters/risk-api-probe.js';
export { SecretsManagerKeyDirectory } from './adapters/secrets-key-directory.js';
export { type AccountFeedConfig, accountFeedConfigSchema, loadAccountFeedConfig } from './config.js';
