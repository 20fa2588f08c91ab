import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';

/**
 * The offline deploy checkers, built once by scripts/ensure-deploy-tools.sh into ~/.cache/crypto-oms/tools
 * (`npm test` runs it first). A test calls ensureTools() too, so a single file runs on its own; warm, it is instant.
 */
export const REPO_ROOT = join(__dirname, '..', '..');
export const CHART_DIR = join(REPO_ROOT, 'deploy', 'helm', 'crypto-oms');
export const TERRAFORM_DIR = join(REPO_ROOT, 'terraform');
// As scripts/ensure-deploy-tools.sh: CRYPTO_OMS_TOOLS, else the tools folder of CRYPTO_OMS_CACHE.
const TOOLS = process.env.CRYPTO_OMS_TOOLS ?? join(process.env.CRYPTO_OMS_CACHE ?? join(homedir(), '.cache', 'crypto-oms'), 'tools');

export const VERSIONS = {
  kubeconform: 'v0.8.0',
  tflint: 'v0.64.0',
  helm: 'v4.3.2',
  kube: 'v1.37.2',
  etcd: 'v3.7.0',
  checkov: '3.3.30',
  kubernetesValidate: '1.37.0',
  /** The Kubernetes version the chart is rendered and checked for (kubernetes-validate's newest schemas). */
  kubernetes: '1.37.0',
} as const;

export const TOOL = {
  kubeconform: join(TOOLS, `kubeconform-${VERSIONS.kubeconform}`, 'bin', 'kubeconform'),
  tflint: join(TOOLS, `tflint-${VERSIONS.tflint}`, 'bin', 'tflint'),
  helm: join(TOOLS, `helm-${VERSIONS.helm}`, 'bin', 'helm'),
  kubeApiserver: join(TOOLS, `kube-apiserver-${VERSIONS.kube}-etcd-${VERSIONS.etcd}`, 'bin', 'kube-apiserver'),
  etcd: join(TOOLS, `kube-apiserver-${VERSIONS.kube}-etcd-${VERSIONS.etcd}`, 'bin', 'etcd'),
  python: join(TOOLS, `pytools-checkov-${VERSIONS.checkov}-kv-${VERSIONS.kubernetesValidate}`, 'venv', 'bin', 'python'),
  schemas: join(TOOLS, `pytools-checkov-${VERSIONS.checkov}-kv-${VERSIONS.kubernetesValidate}`, 'schemas'),
  terraform: process.env.TERRAFORM_BIN ?? 'terraform',
} as const;

/** Builds the named tools when missing (scripts/ensure-deploy-tools.sh: cached, idempotent). */
export function ensureTools(...names: Array<'kubeconform' | 'tflint' | 'helm' | 'kube' | 'pytools'>): void {
  execFileSync('bash', [join(REPO_ROOT, 'scripts', 'ensure-deploy-tools.sh'), ...names], { stdio: ['ignore', 'ignore', 'inherit'] });
}

export function run(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): SpawnSyncReturns<string> {
  return spawnSync(command, args, {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env },
    input: options.input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
}

/** stdout of a command that must succeed; its output in the failure message otherwise. */
export function runOk(command: string, args: readonly string[], options: Parameters<typeof run>[2] = {}): string {
  const result = run(command, args, options);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${String(result.status)}:\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

export const VALUES_FILES = {
  local: join(CHART_DIR, 'values-local.yaml'),
  aws: join(CHART_DIR, 'values-aws.yaml'),
} as const;
export type ValuesName = keyof typeof VALUES_FILES;

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  [key: string]: unknown;
}

/** `helm template` of the chart with one values file (hooks included), as YAML text. */
export function renderChart(values: ValuesName, extra: readonly string[] = []): string {
  return runOk(TOOL.helm, [
    'template', 'oms', CHART_DIR,
    '--namespace', 'crypto-oms',
    '--kube-version', VERSIONS.kubernetes,
    '--api-versions', 'monitoring.coreos.com/v1/ServiceMonitor',
    '-f', VALUES_FILES[values],
    ...extra,
  ]);
}

export function parseManifests(yamlText: string): K8sObject[] {
  return parseAllDocuments(yamlText)
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null && typeof o === 'object');
}

/** Writes text to a fresh temporary file and returns its path. */
export function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'crypto-oms-deploy-'));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

// ---- checkov with the reviewed baseline (deploy/checkov-baseline.yaml) ----

interface BaselineEntry {
  check: string;
  /** Checkov resource names this skip covers: exact, or a prefix ending in `*`. */
  resources: string[];
  reason: string;
}
export interface Finding {
  check: string;
  resource: string;
  file: string;
  name: string;
}

export function loadBaseline(framework: 'terraform' | 'kubernetes'): BaselineEntry[] {
  const all = parse(readFileSync(join(REPO_ROOT, 'deploy', 'checkov-baseline.yaml'), 'utf8')) as Record<string, BaselineEntry[]>;
  return all[framework] ?? [];
}

function covers(entry: BaselineEntry, finding: Finding): boolean {
  return entry.check === finding.check && entry.resources.some((r) => (r.endsWith('*') ? finding.resource.startsWith(r.slice(0, -1)) : finding.resource === r));
}

/** Runs checkov (offline) over a directory or file; returns the failures the baseline does not cover, and the unused baseline entries. */
export function checkov(framework: 'terraform' | 'kubernetes', target: { dir: string } | { file: string }): { uncovered: Finding[]; unused: BaselineEntry[]; passed: number } {
  const args = ['-m', 'checkov.main', '--framework', framework, '--skip-download', '--quiet', '-o', 'json'];
  args.push(...('dir' in target ? ['-d', target.dir] : ['-f', target.file]));
  const result = run(TOOL.python, args, { env: { BC_SKIP_MAPPING: 'TRUE', CHECKOV_RUN_SCA_PACKAGE_SCAN_V2: 'false' } });
  if (result.status !== 0 && result.status !== 1) throw new Error(`checkov exited ${String(result.status)}: ${result.stderr}`);
  const parsed = JSON.parse(result.stdout) as unknown;
  const reports = (Array.isArray(parsed) ? parsed : [parsed]) as Array<{
    summary: { passed: number; parsing_errors: number };
    results: { failed_checks: Array<{ check_id: string; resource: string; file_path: string; check_name: string }> };
  }>;
  const findings: Finding[] = reports.flatMap((r) =>
    r.results.failed_checks.map((f) => ({ check: f.check_id, resource: f.resource, file: f.file_path, name: f.check_name })),
  );
  const parsingErrors = reports.reduce((n, r) => n + r.summary.parsing_errors, 0);
  if (parsingErrors > 0) throw new Error(`checkov could not parse ${parsingErrors} file(s)`);
  const baseline = loadBaseline(framework);
  return {
    uncovered: findings.filter((f) => !baseline.some((e) => covers(e, f))),
    unused: baseline.filter((e) => !findings.some((f) => covers(e, f))),
    passed: reports.reduce((n, r) => n + r.summary.passed, 0),
  };
}

export function toolMissing(path: string): boolean {
  return !existsSync(path);
}
