/**
 * What other units (local mode, benchmarks, tests) use of the ingester: start it, and start
 * the fake Kraken it can run against.
 */

export {
  type FakeKrakenOptions,
  type FakeKrakenServer,
  startFakeKrakenServer,
} from '../../test/fakes/kraken-ws/server.js';
export { type IngesterConfig, ingesterConfigSchema, loadIngesterConfig } from './config.js';
export { type IngesterDependencies, type IngesterSettings, type RunningIngester, startIngester } from './ingester.js';
export { replayRecording } from './recording.js';
