/**
 * What local mode, benchmarks and system tests use of the ingester: its config and a way to
 * start it in-process. (The fake Kraken it runs against lives in test/fakes/kraken-ws.)
 */

export { type IngesterConfig, ingesterConfigSchema, loadIngesterConfig } from './config.js';
export { type IngesterDependencies, type IngesterSettings, type RunningIngester, startIngester } from './ingester.js';
export { replayRecording } from './recording.js';
