import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MarketDataTestProcess } from '../harness/market-data-test-process';
import { startSigningProxy, type SigningProxy } from '../harness/signing-proxy';
import { TestSystem } from '../harness/system';

/**
 * Property-based API fuzzing with Schemathesis (PyPI; scripts/ensure-schemathesis.sh installs it once into
 * ~/.cache/crypto-oms/tools): each service's own /openapi.json drives generated requests against the running
 * processes, valid and invalid, and every answer must be no 5xx, a status, content type and body the document
 * declares, a 4xx for data the document refuses, and 405 with Allow for a method a path does not have.
 * The order API runs with an admin key (every route reachable); the risk engine and the venue are internal, so the
 * fuzzer reaches them through a proxy in this process that signs each request (test/harness/signing-proxy.ts).
 */
const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_schema_conformance',
  'negative_data_rejection',
  'unsupported_method',
].join(',');
/** Per operation and phase: enough to find what a schema and a validator disagree on, small enough for CI. */
const MAX_EXAMPLES = Number(process.env.SCHEMATHESIS_MAX_EXAMPLES ?? 15);
/**
 * The most one service's run may take. The order API's run (22 operations) took 100-150 s on two shared cores and was
 * once killed at 150 s with every check passed so far: the bound is a hang guard, not a performance target.
 */
const RUN_TIMEOUT_MS = 300_000;
const REPORTS = join(process.cwd(), '.data', 'schemathesis');

function schemathesisBinary(): string {
  return execFileSync('bash', ['scripts/ensure-schemathesis.sh'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop()!;
}

interface FuzzResult {
  code: number | null;
  output: string;
}

function fuzz(bin: string, name: string, baseUrl: string, headers: Record<string, string> = {}): Promise<FuzzResult> {
  mkdirSync(REPORTS, { recursive: true });
  const args = [
    'run',
    `${baseUrl}/openapi.json`,
    '--checks',
    CHECKS,
    '--phases',
    'examples,coverage,fuzzing',
    '--max-examples',
    String(MAX_EXAMPLES),
    '--seed',
    process.env.SCHEMATHESIS_SEED ?? '1',
    '--workers',
    '1',
    // A bound against a hung request, not a latency target: the DLQ replay queues admin calls one after another and
    // took over 15 s once under the fuzzer's burst (issue 15 note).
    '--request-timeout',
    '30',
    '--suppress-health-check',
    'all',
    '--no-color',
    '--report',
    'junit',
    '--report-junit-path',
    join(REPORTS, `${name}.xml`),
    ...Object.entries(headers).flatMap(([header, value]) => ['-H', `${header}: ${value}`]),
  ];
  return new Promise((resolve) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SCHEMATHESIS_TELEMETRY: 'false', NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      writeFileSync(join(REPORTS, `${name}.txt`), output);
      resolve({ code, output });
    });
  });
}

/** The run's summary and failures, for the assertion message (the full output is in .data/schemathesis/). */
const tail = (output: string) => output.split('\n').slice(-120).join('\n');

describe('the OpenAPI documents hold against the running services (Schemathesis)', () => {
  let system: TestSystem;
  let marketData: MarketDataTestProcess;
  let bin: string;
  let apiKey: string;
  const proxies: SigningProxy[] = [];

  beforeAll(async () => {
    bin = schemathesisBinary();
    system = await TestSystem.create('schemathesis');
    ({ apiKey } = await system.createAccount({ USD: '1000000', BTC: '100', ETH: '1000', SOL: '10000' }, { role: 'admin' }));
    marketData = await MarketDataTestProcess.create('schemathesis', { VENUE_URL: system.venueUrl });
    await Promise.all([system.startAll(), marketData.start('serving')]);
  }, 180_000);
  afterAll(async () => {
    await Promise.all(proxies.map((proxy) => proxy.close()));
    await Promise.all([system?.stop(), marketData?.dispose()]);
  }, 60_000);

  const expectClean = (result: FuzzResult) => {
    if (result.code !== 0) throw new Error(`schemathesis exited with ${String(result.code)}:\n${tail(result.output)}`);
    expect(result.output).toMatch(/passed/);
  };

  it('order API (admin key)', async () => {
    expectClean(await fuzz(bin, 'api', system.baseUrl, { Authorization: `Bearer ${apiKey}` }));
  }, RUN_TIMEOUT_MS + 10_000);

  it('market data', async () => {
    expectClean(await fuzz(bin, 'market-data', marketData.baseUrl));
  }, RUN_TIMEOUT_MS + 10_000);

  it('risk engine (signed calls)', async () => {
    const proxy = await startSigningProxy(system.env.RISK_URL!);
    proxies.push(proxy);
    expectClean(await fuzz(bin, 'risk', proxy.url));
  }, RUN_TIMEOUT_MS + 10_000);

  it('venue (signed calls)', async () => {
    const proxy = await startSigningProxy(system.venueUrl);
    proxies.push(proxy);
    expectClean(await fuzz(bin, 'venue', proxy.url));
  }, RUN_TIMEOUT_MS + 10_000);
});
