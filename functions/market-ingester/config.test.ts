import { describe, expect, it } from 'vitest';
import { hasDatabase, loadIngesterConfig } from './config.js';

const base = {
  STAGE: 'dev',
  KRAKEN_SYMBOLS: 'BTC/USD,ETH/USD,USDC/USD,USDT/USD',
  MARKET_EVENTS_STREAM: 'market-events',
  REDIS_URL: 'rediss://cache:6379',
  DATABASE_HOST: 'proxy.example',
  DATABASE_USER: 'riskgate',
  AWS_REGION: 'eu-west-1',
};

describe('Function: loadIngesterConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadIngesterConfig(base);
    expect(config).toMatchObject({
      KRAKEN_WS_URL: 'wss://ws.kraken.com/v2',
      KRAKEN_SYMBOLS: ['BTC/USD', 'ETH/USD', 'USDC/USD', 'USDT/USD'],
      BOOK_DEPTH: 10,
      UNIVERSE_REFRESH_MS: 60_000,
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

  it('requires the symbols and a database outside STAGE=local, and defaults them only locally', () => {
    // Prepare
    const { KRAKEN_SYMBOLS: _symbols, ...withoutSymbols } = base;
    const { DATABASE_HOST: _host, ...withoutDatabase } = base;
    const local = { STAGE: 'local', MARKET_EVENTS_STREAM: 'market-events', REDIS_URL: 'redis://127.0.0.1:6379' };

    // Act / Assess
    expect(() => loadIngesterConfig(withoutSymbols)).toThrow(/KRAKEN_SYMBOLS.*tradedSymbols/);
    expect(() => loadIngesterConfig(withoutDatabase)).toThrow(/DATABASE_HOST/);
    expect(loadIngesterConfig(local)).toMatchObject({ KRAKEN_SYMBOLS: ['BTC/USD', 'ETH/USD'] });
    expect(hasDatabase(loadIngesterConfig(local))).toBe(false);
    expect(hasDatabase(loadIngesterConfig(base))).toBe(true);
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
    const { MARKET_EVENTS_STREAM: _stream, ...withoutStream } = base;
    expect(() => loadIngesterConfig(withoutStream)).toThrow(/MARKET_EVENTS_STREAM/);
  });
});
