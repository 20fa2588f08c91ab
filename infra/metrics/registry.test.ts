import { consumerLag } from '../kafka/kafka-metrics';
import { codeLabel } from './order-metrics';
import { initProcessMetrics, metricsRegistry, metricsText } from './registry';
import { STUCK_STATUSES } from './stuck-orders-monitor';

describe('the process registry', () => {
  it('labels every metric with the service and collects the default process metrics once', async () => {
    initProcessMetrics('risk');
    initProcessMetrics('risk');
    expect(() => initProcessMetrics('api')).toThrow(/already initialised for risk/);
    const text = await metricsText();
    expect(text).toMatch(/^process_cpu_user_seconds_total\{service="risk"\} /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds\{service="risk"\} /m);
    expect(text).toContain('# TYPE oms_kafka_consumer_lag gauge');
    expect((text.match(/^# TYPE process_resident_memory_bytes /gm) ?? []).length).toBe(1);
    expect(metricsRegistry.contentType).toContain('text/plain');
  });
});

describe('consumerLag', () => {
  it('is the high watermark minus the committed offset, from the low watermark when nothing was committed', () => {
    expect(
      consumerLag(
        [
          { partition: 0, high: '120', low: '0' },
          { partition: 1, high: '50', low: '10' },
          { partition: 2, high: '7', low: '0' },
        ],
        [
          { partition: 0, offset: '100' },
          { partition: 1, offset: '-1' },
        ],
      ),
    ).toEqual([
      { partition: 0, lag: 20 },
      { partition: 1, lag: 40 },
      { partition: 2, lag: 7 },
    ]);
  });

  it('is never negative (a watermark read before the commit)', () => {
    expect(consumerLag([{ partition: 0, high: '5', low: '0' }], [{ partition: 0, offset: '6' }])).toEqual([{ partition: 0, lag: 0 }]);
  });
});

describe('codeLabel', () => {
  it('keeps error codes and folds free text into OTHER, so labels stay bounded', () => {
    expect(codeLabel('INSUFFICIENT_BALANCE')).toBe('INSUFFICIENT_BALANCE');
    expect(codeLabel('insufficient balance for order o-1')).toBe('OTHER');
    expect(codeLabel(null)).toBe('OTHER');
  });
});

describe('STUCK_STATUSES', () => {
  it('are the statuses an order only passes through: not terminal, not resting', () => {
    expect([...STUCK_STATUSES].sort()).toEqual(['FILLED', 'NEW', 'PENDING_CANCEL']);
  });
});
