import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alertRules, dashboardExpressions, exportedNames, metricNamesIn, usedMetricNames } from '../harness/metric-names';

/**
 * The alert rules checked by Prometheus' own promtool (built from the Go module proxy once, scripts/ensure-promtool.sh):
 * `check rules` (syntax, PromQL) and `test rules` (alerts.test.yml: each alert fires on its series and not on a
 * healthy one); every alert has a severity, a summary and a runbook entry that exists in the README; the dashboard
 * parses and every panel queries something. That the names exist in the running system: metrics-exported.test.ts.
 */
const PROMETHEUS = join(__dirname, '..', '..', 'deploy', 'observability', 'prometheus');

describe('alert rules (promtool)', () => {
  let promtool: string;
  beforeAll(() => {
    promtool = execFileSync('bash', ['scripts/ensure-promtool.sh'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop()!;
  }, 900_000);

  const run = (...args: string[]) => spawnSync(promtool, args, { cwd: PROMETHEUS, encoding: 'utf8' });

  it('pass promtool check rules', () => {
    const checked = run('check', 'rules', 'alerts.yml');
    expect([checked.status, checked.stdout + checked.stderr]).toEqual([0, expect.stringContaining('SUCCESS: 13 rules found')]);
  });

  it('pass their unit tests (promtool test rules alerts.test.yml)', () => {
    const tested = run('test', 'rules', 'alerts.test.yml');
    expect([tested.status, tested.stdout + tested.stderr]).toEqual([0, expect.stringContaining('SUCCESS')]);
  });

  it('each have a severity, a summary and a runbook entry in the README, and each is unit-tested', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    // GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes.
    const anchors = new Set([...readme.matchAll(/^#{1,6} (.+)$/gm)].map(([, heading]) => heading!.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-')));
    const tests = readFileSync(join(PROMETHEUS, 'alerts.test.yml'), 'utf8');
    for (const rule of alertRules()) {
      expect([rule.alert, rule.labels?.severity]).toEqual([rule.alert, expect.stringMatching(/^(warning|critical)$/)]);
      expect([rule.alert, rule.annotations?.summary]).toEqual([rule.alert, expect.any(String)]);
      const anchor = /^README\.md#(.+)$/.exec(rule.annotations?.runbook_url ?? '')?.[1];
      expect([rule.alert, anchor !== undefined && anchors.has(anchor)]).toEqual([rule.alert, true]);
      expect([rule.alert, tests.includes(`alertname: ${rule.alert}`)]).toEqual([rule.alert, true]);
    }
  });
});

describe('the Grafana dashboard', () => {
  it('queries a metric in every panel', () => {
    const expressions = dashboardExpressions();
    expect(expressions.length).toBeGreaterThan(20);
    for (const expr of expressions) expect([expr, metricNamesIn(expr).length > 0]).toEqual([expr, true]);
  });
});

describe('metric names in expressions and expositions', () => {
  it('reads the metric names out of PromQL, not its functions, labels, ranges or strings', () => {
    expect(metricNamesIn('sum by (group, topic) (oms_kafka_consumer_lag) > 100 and sum by (group) (delta(oms_kafka_consumer_lag[10m])) > 0')).toEqual(['oms_kafka_consumer_lag']);
    expect(metricNamesIn('histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket{service="api"}[$__rate_interval])))')).toEqual([
      'http_request_duration_seconds_bucket',
    ]);
    expect(metricNamesIn('sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(other_total[5m]))')).toEqual(['http_requests_total', 'other_total']);
    expect(usedMetricNames().get('oms_orders_stuck')).toEqual(expect.arrayContaining(['alert OrdersStuck', 'dashboard']));
  });

  it('takes families from # TYPE lines (histograms with their series) and samples', () => {
    const names = exportedNames(
      ['# HELP a_seconds x', '# TYPE a_seconds histogram', '# TYPE b_total counter', 'c{service="api"} 1', 'd 2'].join('\n'),
    );
    expect([...names].sort()).toEqual(['a_seconds', 'a_seconds_bucket', 'a_seconds_count', 'a_seconds_sum', 'b_total', 'c', 'd']);
  });
});
