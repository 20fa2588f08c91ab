import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { allTopics, kafkaTopics } from '../../infra/kafka/topics';
import { ORDER_SEARCH_ATTRIBUTES } from './servers/temporal';
import { loadStackSettings, REPO_ROOT } from './settings';
import { SERVERS } from './stack';

interface ComposeService {
  image?: string;
  build?: string;
  command?: string[];
  ports?: string[];
  environment?: Record<string, string>;
}

/** docker-compose.yml must offer the same servers on the same ports as the local stack script. */
describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, ComposeService> };
  const settings = loadStackSettings({});

  it('names every server of the local stack, from its official image', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(SERVERS.map((s) => s.name)));
    expect(compose.services.temporal?.image).toMatch(/^temporalio\/temporal:/);
    expect(compose.services.kafka?.image).toMatch(/^apache\/kafka:3\.9/);
    expect(compose.services.redis?.image).toMatch(/^redis:7/);
    expect(compose.services.mongo?.image).toMatch(/^mongo:/);
  });

  it('publishes each server on the port the local stack uses, on loopback', () => {
    const expected: Record<string, number[]> = {
      temporal: [settings.ports.temporal, settings.ports.temporalUi],
      kafka: [settings.ports.kafka],
      redis: [settings.ports.redis],
      mongo: [settings.ports.mongo],
    };
    for (const [service, ports] of Object.entries(expected)) {
      const published = compose.services[service]?.ports ?? [];
      for (const port of ports) expect(published).toContain(`127.0.0.1:${port}:${port}`);
    }
  });

  it('runs the API and the worker from the Dockerfile against the compose servers', () => {
    for (const name of ['api', 'worker']) {
      const service = compose.services[name];
      expect(service?.build).toBe('.');
      expect(service?.environment).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', KAFKA_BROKERS: 'kafka:29092', REDIS_URL: 'redis://redis:6379', MONGO_URL: 'mongodb://mongo:27017' });
    }
    expect(compose.services.api?.command).toEqual(['workers/api.ts']);
    expect(compose.services.worker?.command).toEqual(['workers/worker.ts']);
    expect(compose.services.api?.ports).toContain('127.0.0.1:5000:5000');
  });

  it('is a local try-out: the image defaults to production, compose sets development explicitly and says how to seed', () => {
    const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^ENV OMS_ENV=production$/m);
    for (const name of ['api', 'worker']) expect(compose.services[name]?.environment?.OMS_ENV).toBe('development');
    const text = readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
    expect(text).toContain('docker compose run --rm api workers/seed-demo.ts');
    expect(text).toMatch(/LOCAL TRY-OUT/);
  });

  it('registers the order search attributes and creates every topic', () => {
    const command = compose.services.temporal?.command ?? [];
    for (const name of ORDER_SEARCH_ATTRIBUTES) expect(command).toContain(`${name}=Keyword`);
    const script = (compose.services['kafka-topics']?.command ?? []).join('\n');
    const base = allTopics(kafkaTopics('')).filter((t) => !t.endsWith('.dlq'));
    expect(script).toContain(`for t in ${base.join(' ')}; do`);
    expect(script).toContain('"$$t.dlq"');
  });
});
