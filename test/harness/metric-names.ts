import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** PromQL's functions, aggregations and keywords: identifiers in an expression that are not metric names. */
const NOT_METRICS = new Set(
  (
    'sum min max avg count stddev stdvar topk bottomk quantile count_values group limitk limit_ratio ' +
    'rate irate increase delta idelta deriv predict_linear resets changes histogram_quantile histogram_count histogram_sum ' +
    'abs ceil floor round exp ln log2 log10 sqrt clamp clamp_min clamp_max vector scalar time timestamp absent absent_over_time ' +
    'label_replace label_join sort sort_desc sgn avg_over_time min_over_time max_over_time sum_over_time count_over_time ' +
    'quantile_over_time last_over_time present_over_time stddev_over_time and or unless offset bool inf nan'
  ).split(' '),
);

/** The metric names a PromQL expression reads (label matchers, label lists, ranges, strings and variables stripped). */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\w+/g, ' ');
  const names = stripped.match(/(?<![\w.])[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [];
  return [...new Set(names.filter((name) => !NOT_METRICS.has(name.toLowerCase())))].sort();
}

const OBSERVABILITY = join(__dirname, '..', '..', 'deploy', 'observability');

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function alertRules(): AlertRule[] {
  const file = parse(readFileSync(join(OBSERVABILITY, 'prometheus', 'alerts.yml'), 'utf8')) as { groups: Array<{ rules: AlertRule[] }> };
  return file.groups.flatMap((group) => group.rules);
}

/** Every `expr` of every panel of the Grafana dashboard. */
export function dashboardExpressions(): string[] {
  const dashboard = JSON.parse(readFileSync(join(OBSERVABILITY, 'grafana', 'crypto-oms.json'), 'utf8')) as { panels: Array<{ targets?: Array<{ expr: string }> }> };
  return dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
}

/** Every metric name the alert rules and the dashboard use, each with where it is used. */
export function usedMetricNames(): Map<string, string[]> {
  const used = new Map<string, string[]>();
  const add = (where: string, expr: string) => {
    for (const name of metricNamesIn(expr)) used.set(name, [...(used.get(name) ?? []), where]);
  };
  for (const rule of alertRules()) add(`alert ${rule.alert}`, rule.expr);
  for (const expr of dashboardExpressions()) add('dashboard', expr);
  return used;
}

/**
 * The sample names a Prometheus text exposition offers: every family its `# TYPE` lines declare (with `_bucket`,
 * `_sum` and `_count` for histograms, `_sum` and `_count` for summaries), whether or not it has samples yet, and
 * every sample's name.
 */
export function exportedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) {
      const [, name = '', kind] = type;
      names.add(name);
      if (kind === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
      if (kind === 'summary') for (const suffix of ['_sum', '_count']) names.add(name + suffix);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
    if (sample?.[1] !== undefined) names.add(sample[1]);
  }
  return names;
}
