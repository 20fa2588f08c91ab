import { loadConfig } from '../infra/config';
import { redisAccess, redisAccessString, REDIS_COMMANDS } from './redis-access';

describe('the Redis access table', () => {
  it('puts every key pattern and channel under REDIS_KEY_PREFIX, and market data\'s snapshots under its own prefix', () => {
    const access = redisAccess(loadConfig({ REDIS_KEY_PREFIX: 'p:', MARKET_DATA_REDIS_PREFIX: 'hot' }));
    for (const grant of Object.values(access)) {
      for (const pattern of [...grant.keys.readWrite, ...grant.keys.read, ...grant.channels]) expect(pattern.startsWith('p:')).toBe(true);
    }
    expect(access['market-data'].keys.readWrite).toContain('p:hot:*');
  });

  it('writes an access string: on, read-write keys, read-only keys, the channels after a reset, then the commands', () => {
    expect(redisAccessString({ keys: { readWrite: ['a:*'], read: ['b:*'] }, channels: ['c:*'] })).toBe(`on ~a:* %R~b:* resetchannels &c:* ${REDIS_COMMANDS}`);
  });

  it('lets only market data write the latest prices and only the risk engine write positions', () => {
    const access = redisAccess(loadConfig({}));
    const writers = (pattern: string) => Object.entries(access).filter(([, grant]) => grant.keys.readWrite.includes(pattern)).map(([service]) => service);
    expect(writers('prices:*')).toEqual(['market-data']);
    expect(writers('positions:*')).toEqual(['risk']);
  });
});
