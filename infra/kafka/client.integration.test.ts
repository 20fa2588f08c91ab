import pino from 'pino';
import { loadConfig } from '../config';
import { createKafka } from './client';

function capturingLogger(level: string): { logger: pino.Logger; entries: Array<Record<string, unknown>> } {
  const entries: Array<Record<string, unknown>> = [];
  return { logger: pino({ level }, { write: (line: string) => void entries.push(JSON.parse(line) as Record<string, unknown>) }), entries };
}

describe('createKafka (real broker)', () => {
  const config = loadConfig().kafka;

  it("routes kafkajs's own logs into the pino logger it was given", async () => {
    const { logger, entries } = capturingLogger('debug');
    const admin = createKafka(config, logger).admin();
    await admin.connect();
    try {
      expect(await admin.listTopics()).toEqual(expect.arrayContaining(['orders', 'orders.dlq']));
    } finally {
      await admin.disconnect();
    }
    expect(entries.length).toBeGreaterThan(0);
    expect(entries[0]).toMatchObject({ component: 'kafkajs', namespace: expect.any(String) as string, msg: expect.any(String) as string });
  });

  it('logs retried request errors of kafkajs as warnings, and real errors as errors', () => {
    const { logger, entries } = capturingLogger('warn');
    const kafkaLogger = createKafka(config, logger).logger();
    kafkaLogger.namespace('Connection').error('Response Metadata(key: 3, version: 6)', { error: 'The coordinator is loading' });
    kafkaLogger.namespace('Consumer').error('Crash: KafkaJSNumberOfRetriesExceeded', { groupId: 'g' });
    kafkaLogger.namespace('Consumer').info('Starting', { groupId: 'g' });
    expect(entries.map((e) => [e.level, e.namespace, e.msg])).toEqual([
      [40, 'Connection', 'Response Metadata(key: 3, version: 6)'],
      [50, 'Consumer', 'Crash: KafkaJSNumberOfRetriesExceeded'],
    ]);
    expect(entries[1]).toMatchObject({ component: 'kafkajs', groupId: 'g' });
  });
});
