import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../../infra/config';
import { internalSecretProblems } from '../../test/harness/internal-calls';
import { loadVenueConfig, VENUE_VARIABLES } from '../../venue/config';
import { readDockerfile } from '../dockerfile';
import { builtOf, JOB_ENTRY_POINTS, SERVICE_ENTRY_POINTS, sourceOf } from '../entry-points';
import { loadStackSettings, REPO_ROOT } from './settings';
import { SERVERS } from './stack';

interface ComposeService {
  image?: string;
  build?: string;
  command?: string[];
  ports?: string[];
  environment?: Record<string, string>;
  env_file?: string;
  restart?: string;
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
}

/**
 * docker-compose.yml must offer the same servers on the same ports as the local stack script, run every entry point
 * of the image (scripts/entry-points.ts) with variables the processes know, in an order that works, and parse with
 * Debian's docker-compose.
 */
describe('docker-compose.yml', () => {
  jest.setTimeout(300_000);
  const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, ComposeService> };
  const services = compose.services;
  const settings = loadStackSettings({});
  const ours = Object.entries(services).filter(([, s]) => s.image === 'crypto-oms:local');
  const envFile = (name: string): Record<string, string> => {
    const file = services[name]?.env_file;
    if (file === undefined) return {};
    return Object.fromEntries(
      readFileSync(join(REPO_ROOT, file), 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '' && !line.startsWith('#'))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
  };
  const envOf = (name: string) => ({ ...envFile(name), ...(services[name]?.environment ?? {}) });

  it('parses and validates with docker-compose config', () => {
    execFileSync('bash', [join(REPO_ROOT, 'scripts', 'ensure-image-tools.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
    expect(() => execFileSync('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], { cwd: REPO_ROOT, stdio: 'pipe' })).not.toThrow();
  });

  it('names every server of the local stack, from its official image', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(SERVERS.map((s) => s.name)));
    expect(services.temporal?.image).toMatch(/^temporalio\/temporal:/);
    expect(services.kafka?.image).toMatch(/^apache\/kafka:3\.9/);
    expect(services.redis?.image).toMatch(/^redis:7/);
    expect(services.mongo?.image).toMatch(/^mongo:7/);
    for (const server of SERVERS) expect(services[server.name]?.healthcheck?.test).toBeDefined();
  });

  it('publishes each server on the port the local stack uses, on loopback (the Temporal UI too)', () => {
    const expected: Record<string, number[]> = {
      temporal: [settings.ports.temporal, settings.ports.temporalUi],
      kafka: [settings.ports.kafka],
      redis: [settings.ports.redis],
      mongo: [settings.ports.mongo],
    };
    for (const [service, ports] of Object.entries(expected)) {
      const published = services[service]?.ports ?? [];
      for (const port of ports) expect(published).toContain(`127.0.0.1:${port}:${port}`);
    }
  });

  it('runs every service and one-shot job from the one image, each command a built entry point', () => {
    const names = [...SERVICE_ENTRY_POINTS, ...JOB_ENTRY_POINTS].filter((e) => e.name !== 'issue-api-key').map((e) => e.name);
    expect(ours.map(([name]) => name).sort()).toEqual([...names].sort());
    const build = JSON.parse(readFileSync(join(REPO_ROOT, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
    expect(build.include).toContain('workers');
    for (const [name, service] of ours) {
      const entry = [...SERVICE_ENTRY_POINTS, ...JOB_ENTRY_POINTS].find((e) => e.name === name)!;
      expect(service.build).toBe('.');
      expect(service.command).toEqual(['node', builtOf(entry)]);
      expect(existsSync(join(REPO_ROOT, sourceOf(entry)))).toBe(true);
      // After `npm run build` (test/build/built-entry-points.test.ts starts each of them), the file is there.
      if (existsSync(join(REPO_ROOT, 'dist', 'workers'))) expect(existsSync(join(REPO_ROOT, builtOf(entry)))).toBe(true);
      expect(service.env_file).toBe('deploy/compose.env');
    }
  });

  it('sets only variables the processes know, and the env file is a valid configuration for every process', () => {
    const dockerfileEnv = readDockerfile()
      .stages.flatMap((s) => s.instructions)
      .filter((i) => i.keyword === 'ENV')
      .map((i) => i.args.split('=')[0]!);
    const known = new Set([...CONFIG_VARIABLES, ...VENUE_VARIABLES, ...dockerfileEnv]);
    for (const [name] of ours) for (const variable of Object.keys(envOf(name))) expect(`${name}: ${variable}`).toBe(`${name}: ${known.has(variable) ? variable : '(unknown)'}`);
    for (const [name] of ours) {
      const env = envOf(name);
      const config = loadConfig(env);
      loadVenueConfig(env, { rootDir: config.rootDir });
    }
  });

  it('gives each service its own internal secret, which the services it calls accept from it, strong enough for production', () => {
    // loadConfig with OMS_ENV=production refuses a short or development secret, and one shared by two callers.
    expect(internalSecretProblems(envOf)).toEqual([]);
    const own = ['api', 'worker', 'risk', 'market-data'].map((name) => envOf(name).INTERNAL_AUTH_SECRETS);
    expect(new Set(own).size).toBe(own.length);
    expect(envFile('api').INTERNAL_AUTH_SECRETS).toBeUndefined();
  });

  it('connects the services to the compose servers and to each other by service name, which every service accepts as Host', () => {
    const env = envOf('api');
    const config = loadConfig(env);
    expect(config.temporal.address).toBe('temporal:7233');
    expect(config.kafka.brokers).toEqual(['kafka:29092']);
    expect(config.redis.url).toBe('redis://redis:6379');
    expect(config.mongo.url).toBe('mongodb://mongo:27017');
    expect(config.risk.url).toBe('http://risk:5001');
    expect(config.venue.url).toBe('http://venue:5003');
    expect(config.dashboard.marketDataUrl).toBe('http://market-data:5002');
    expect(config.http.allowedHosts).toEqual(expect.arrayContaining(['api', 'risk', 'venue', 'market-data']));
    for (const [name] of ours) expect(envOf(name)).toMatchObject({ API_HOST: '0.0.0.0', RISK_HOST: '0.0.0.0', VENUE_HOST: '0.0.0.0', MARKET_DATA_HOST: '0.0.0.0' });
  });

  it('publishes each service on the port of npm start, and checks its readiness there', () => {
    for (const entry of SERVICE_ENTRY_POINTS) {
      const service = services[entry.name]!;
      if (entry.defaultPort === undefined) {
        expect(service.ports ?? []).toEqual([]);
        expect(service.healthcheck).toEqual({ disable: true });
        continue;
      }
      const config = loadConfig(envOf(entry.name));
      const port = { api: config.api.port, risk: config.risk.port, venue: config.venue.port, 'market-data': config.marketData.port, worker: config.worker.port }[entry.name as 'api'];
      expect(port).toBe(entry.defaultPort);
      expect(service.ports).toEqual([`127.0.0.1:${port}:${port}`]);
      expect(service.environment?.HEALTHCHECK_PORT).toBe(String(port));
      expect(service.healthcheck?.test?.join(' ')).toContain(`http://127.0.0.1:${port}/ready`);
    }
  });

  it('orders start-up: servers healthy, jobs completed, then the services in the order they call each other', () => {
    const servers = new Set<string>(SERVERS.map((s) => s.name));
    const jobs = new Set(JOB_ENTRY_POINTS.map((j) => j.name as string));
    for (const [name, service] of ours) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        if (servers.has(dependency)) expect(`${name} -> ${dependency}: ${condition}`).toBe(`${name} -> ${dependency}: service_healthy`);
        else if (jobs.has(dependency)) expect(`${name} -> ${dependency}: ${condition}`).toBe(`${name} -> ${dependency}: service_completed_successfully`);
        else expect(['service_healthy', 'service_started']).toContain(condition);
        expect(Object.keys(services)).toContain(dependency);
      }
      if (jobs.has(name)) expect(service.restart).toBe('no');
    }
    for (const entry of SERVICE_ENTRY_POINTS) expect(services[entry.name]?.depends_on?.['create-topics']?.condition).toBe('service_completed_successfully');
    expect(services.worker?.depends_on?.['register-search-attributes']?.condition).toBe('service_completed_successfully');
    expect(services.worker?.depends_on).toMatchObject({ risk: { condition: 'service_healthy' }, venue: { condition: 'service_healthy' } });
    expect(services['create-topics']?.depends_on).toEqual({ kafka: { condition: 'service_healthy' } });
    expect(services['register-search-attributes']?.depends_on).toEqual({ temporal: { condition: 'service_healthy' } });
  });

  it('is a local try-out: the image defaults to production, the env file sets development and says so', () => {
    const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^ENV OMS_ENV=production$/m);
    for (const [name] of ours) expect(envOf(name).OMS_ENV).toBe('development');
    const text = readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
    expect(text).toMatch(/LOCAL TRY-OUT/);
    expect(readFileSync(join(REPO_ROOT, 'deploy', 'compose.env'), 'utf8')).toMatch(/LOCAL TRY-OUT/);
  });
});
