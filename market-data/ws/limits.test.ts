import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../infra/config';
import { DEFAULT_WS_LIMITS, resolveWsLimits, type MarketDataWsLimits } from './limits';

describe('resolveWsLimits', () => {
  it('gives the defaults, which are consistent', () => {
    expect(resolveWsLimits()).toEqual(DEFAULT_WS_LIMITS);
    expect(resolveWsLimits({})).toEqual(DEFAULT_WS_LIMITS);
  });

  it('overrides only what is given', () => {
    const limits = resolveWsLimits({ maxConnections: 5, maxConnectionsPerAddress: 2 });
    expect(limits).toEqual({ ...DEFAULT_WS_LIMITS, maxConnections: 5, maxConnectionsPerAddress: 2 });
    expect(Object.isFrozen(limits)).toBe(true);
  });

  it.each([
    [{ maxConnections: 0 }, 'maxConnections'],
    [{ framesPerSecond: 1.5 }, 'framesPerSecond'],
    [{ maxFrameBytes: Number.NaN }, 'maxFrameBytes'],
    [{ maxBufferedBytes: -1 }, 'maxBufferedBytes'],
    [{ maxFrameBytes: 2048, hardMaxFrameBytes: 1024 }, 'hardMaxFrameBytes'],
    [{ maxConnections: 10, maxConnectionsPerAddress: 11 }, 'maxConnectionsPerAddress'],
    [{ heartbeatIntervalMs: 1000, idleTimeoutMs: 1000 }, 'idleTimeoutMs'],
  ])('refuses %j naming %s', (given, name) => {
    expect(() => resolveWsLimits(given)).toThrow(name);
  });

  it('takes the config slice: one MARKET_DATA_WS_* variable per limit', () => {
    const env = Object.fromEntries(Object.keys(DEFAULT_WS_LIMITS).map((limit) => [`MARKET_DATA_WS_${limit.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`, '3']));
    const everything: Partial<MarketDataWsLimits> = loadConfig({ ...env, MARKET_DATA_WS_IDLE_TIMEOUT_MS: '4' }).marketDataWs;
    expect(Object.keys(everything).sort()).toEqual(Object.keys(DEFAULT_WS_LIMITS).sort());
    expect(resolveWsLimits(loadConfig({ MARKET_DATA_WS_FRAME_BURST: '7' }).marketDataWs).frameBurst).toBe(7);
  });

  it('are documented in PROTOCOL.md with their variables and defaults', () => {
    const doc = readFileSync(join(__dirname, 'PROTOCOL.md'), 'utf8');
    for (const [limit, value] of Object.entries(DEFAULT_WS_LIMITS)) {
      const variable = `MARKET_DATA_WS_${limit.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
      expect(doc).toContain(`| \`${limit}\` (\`${variable}\`) | ${value} |`);
    }
  });
});
