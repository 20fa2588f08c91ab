import { Counter } from 'prom-client';
import { metricsRegistry } from '../infra/metrics/registry';
import { codeLabel } from '../infra/metrics/order-metrics';

const holds = new Counter({
  name: 'oms_risk_holds_total',
  help: 'Hold decisions of the risk engine: placed (a new hold), refused, released, settled (a fill applied against it)',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});

const refusals = new Counter({
  name: 'oms_risk_refusals_total',
  help: 'Pre-trade checks the risk engine refused, by error code',
  labelNames: ['code'] as const,
  registers: [metricsRegistry],
});

export type HoldOutcome = 'placed' | 'refused' | 'released' | 'settled';

export function recordHold(outcome: HoldOutcome): void {
  holds.inc({ outcome });
}

export function recordRefusal(code: string): void {
  holds.inc({ outcome: 'refused' });
  refusals.inc({ code: codeLabel(code) });
}
