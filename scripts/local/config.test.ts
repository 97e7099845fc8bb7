import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/config/env.js';
import { loadLocalModeConfig } from './config.js';

describe('Function: loadLocalModeConfig', () => {
  it('runs on the local stores with references refreshed every 15 s unless told otherwise', () => {
    // Act
    const config = loadLocalModeConfig({ STAGE: 'local' });

    // Assess
    expect(config).toMatchObject({ RISK_STATE: 'stores', LOCAL_REFERENCE_INTERVAL_MS: 15_000 });
  });

  it('accepts in-memory state outside production', () => {
    // Act
    const config = loadLocalModeConfig({ STAGE: 'dev', RISK_STATE: 'memory' });

    // Assess
    expect(config.RISK_STATE).toBe('memory');
  });

  it('refuses in-memory state when STAGE=prod, naming the variable', () => {
    // Act
    const load = () => loadLocalModeConfig({ STAGE: 'prod', RISK_STATE: 'memory' });

    // Assess
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/RISK_STATE=memory is refused when STAGE=prod/);
  });

  it('stops on a reference interval below a second, naming the variable', () => {
    // Act
    const load = () => loadLocalModeConfig({ STAGE: 'local', LOCAL_REFERENCE_INTERVAL_MS: '10' });

    // Assess
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/LOCAL_REFERENCE_INTERVAL_MS/);
  });
});
