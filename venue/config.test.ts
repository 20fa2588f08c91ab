import { ConfigError } from '../infra/config';
import { DEFAULT_REPLAY_FILE, loadVenueConfig } from './config';

const paths = { rootDir: '/repo/main' };

describe('loadVenueConfig', () => {
  it('replays the quiet 1-second file at 60x from ../shared/data/market by default', () => {
    expect(loadVenueConfig({}, paths)).toEqual({
      host: '127.0.0.1',
      keepFinalOrders: 10_000,
      replay: { enabled: true, symbol: 'BTC-USD', dir: '/repo/shared/data/market', file: DEFAULT_REPLAY_FILE, speed: 60, seed: 1 },
    });
  });

  it('takes overrides', () => {
    const config = loadVenueConfig(
      { VENUE_REPLAY: 'off', VENUE_REPLAY_FILE: 'coinbase_btcusd_1m_trades_2017-12-17.csv', VENUE_REPLAY_SPEED: '0.5', VENUE_REPLAY_SEED: '42', MARKET_DATA_DIR: '/data' },
      paths,
    );
    expect(config.replay).toMatchObject({ enabled: false, file: 'coinbase_btcusd_1m_trades_2017-12-17.csv', speed: 0.5, seed: 42, dir: '/data' });
    expect(loadVenueConfig({ VENUE_KEEP_FINAL_ORDERS: '1000' }, paths).keepFinalOrders).toBe(1000);
  });

  it.each([
    ['VENUE_REPLAY', 'yes'],
    ['VENUE_REPLAY_SPEED', '0'],
    ['VENUE_REPLAY_SPEED', 'fast'],
    ['VENUE_REPLAY_FILE', '../etc/passwd'],
    ['VENUE_REPLAY_SEED', '-1'],
    ['VENUE_KEEP_FINAL_ORDERS', '99'],
    ['VENUE_KEEP_FINAL_ORDERS', '1e4'],
  ])('refuses %s=%s naming the variable', (name, value) => {
    expect(() => loadVenueConfig({ [name]: value }, paths)).toThrow(ConfigError);
    expect(() => loadVenueConfig({ [name]: value }, paths)).toThrow(name);
  });
});
