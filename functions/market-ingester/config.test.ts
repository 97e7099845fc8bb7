import { describe, expect, it } from 'vitest';
import { loadIngesterConfig } from './config.js';

const base = { STAGE: 'dev', MARKET_EVENTS_STREAM: 'market-events', REDIS_URL: 'rediss://cache:6379' };

describe('Function: loadIngesterConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadIngesterConfig(base);
    expect(config).toMatchObject({
      KRAKEN_WS_URL: 'wss://ws.kraken.com/v2',
      KRAKEN_SYMBOLS: ['BTC/USD', 'ETH/USD'],
      BOOK_DEPTH: 10,
      SILENCE_TIMEOUT_MS: 5_000,
      CONNECT_ATTEMPTS_PER_10_MIN: 120,
      REDIS_TLS: true,
    });
  });

  it('refuses non-USD-spot pairs, v1 spelling and depths Kraken does not offer, naming the variable', () => {
    expect(() => loadIngesterConfig({ ...base, KRAKEN_SYMBOLS: 'BTC/EUR' })).toThrow(/KRAKEN_SYMBOLS/);
    expect(() => loadIngesterConfig({ ...base, KRAKEN_SYMBOLS: 'XBT/USD' })).toThrow(/BTC\/USD, not XBT\/USD/);
    expect(() => loadIngesterConfig({ ...base, BOOK_DEPTH: '20' })).toThrow(/BOOK_DEPTH/);
    expect(() => loadIngesterConfig({ ...base, CONNECT_ATTEMPTS_PER_10_MIN: '150' })).toThrow(
      /CONNECT_ATTEMPTS_PER_10_MIN/,
    );
  });

  it('allows plaintext ws:// only for the local fake', () => {
    expect(() => loadIngesterConfig({ ...base, KRAKEN_WS_URL: 'ws://127.0.0.1:9/v2' })).toThrow(/KRAKEN_WS_URL/);
    expect(loadIngesterConfig({ ...base, STAGE: 'local', KRAKEN_WS_URL: 'ws://127.0.0.1:9/v2' }).KRAKEN_WS_URL).toBe(
      'ws://127.0.0.1:9/v2',
    );
  });

  it('refuses plaintext Redis in production and requires the stream name', () => {
    expect(() => loadIngesterConfig({ ...base, STAGE: 'prod', REDIS_URL: 'redis://cache:6379' })).toThrow(
      /REDIS_TLS=false is refused when STAGE=prod/,
    );
    expect(() => loadIngesterConfig({ STAGE: 'dev', REDIS_URL: 'rediss://cache:6379' })).toThrow(
      /MARKET_EVENTS_STREAM/,
    );
  });
});
