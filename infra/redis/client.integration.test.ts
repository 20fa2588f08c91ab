import pino from 'pino';
import { loadConfig } from '../config';
import { createRedis } from './client';

function capturingLogger(): { logger: pino.Logger; entries: Array<Record<string, unknown>> } {
  const entries: Array<Record<string, unknown>> = [];
  return { logger: pino({ level: 'debug' }, { write: (line: string) => void entries.push(JSON.parse(line) as Record<string, unknown>) }), entries };
}

describe('createRedis (real Redis)', () => {
  it('talks to the stack Redis', async () => {
    const { logger } = capturingLogger();
    const redis = createRedis(loadConfig().redis, logger);
    try {
      expect(await redis.ping()).toBe('PONG');
    } finally {
      await redis.quit();
    }
  });

  it('logs connection errors instead of throwing them, and fails commands after a few attempts', async () => {
    const { logger, entries } = capturingLogger();
    // Nothing listens on port 1.
    const redis = createRedis({ url: 'redis://127.0.0.1:1', keyPrefix: '' }, logger);
    try {
      await expect(redis.ping()).rejects.toThrow(/max retries per request/i);
      const errors = entries.filter((e) => e.msg === 'redis_error');
      expect(errors.length).toBeGreaterThan(0);
      expect(errors[0]).toMatchObject({ component: 'redis', err: { code: 'ECONNREFUSED' } });
    } finally {
      redis.disconnect();
    }
  });
});
