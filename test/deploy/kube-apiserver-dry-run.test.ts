import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { KubeApiServer } from './kube-apiserver';
import { ensureTools, parseManifests, renderChart, type K8sObject } from './tools';

const NAMESPACE = 'crypto-oms';

/**
 * The rendered chart against a real kube-apiserver + etcd (no kubelet, nothing runs): every object of both values
 * files passes a server-side dry run with strict field validation, which catches what schemas miss (selectors that
 * do not match their template, immutable defaults, admission).
 */
describe('Helm chart: server-side dry run against a real kube-apiserver', () => {
  let server: KubeApiServer | undefined;

  beforeAll(async () => {
    ensureTools('helm', 'kube');
    server = await KubeApiServer.start();
    const crd = parse(readFileSync(join(__dirname, 'fixtures', 'servicemonitor-crd.yaml'), 'utf8')) as K8sObject;
    expect((await server.create(crd)).status).toBe(201);
    await server.waitForCrd('servicemonitors.monitoring.coreos.com');
    const ns = await server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
    expect(ns.status).toBe(201);
  }, 30 * 60_000);

  afterAll(async () => {
    await server?.stop();
  }, 30_000);

  it.each(['local', 'aws'] as const)('accepts every object of values-%s.yaml (hooks included)', async (values) => {
    const objects = parseManifests(renderChart(values));
    expect(objects.length).toBeGreaterThan(20);
    const refused: string[] = [];
    for (const object of objects) {
      const res = await (server as KubeApiServer).dryRunCreate(object, NAMESPACE);
      if (res.status !== 201 && res.status !== 200) refused.push(`${object.kind} ${object.metadata.name}: ${res.status} ${res.body.message ?? ''}`);
    }
    expect(refused).toEqual([]);
  }, 120_000);

  it('refuses what a schema check lets through: a Deployment whose selector does not match its pods', async () => {
    const api = parseManifests(renderChart('aws')).find((o) => o.kind === 'Deployment' && o.metadata.name === 'crypto-oms-api') as K8sObject;
    const broken = structuredClone(api);
    (broken.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels['app.kubernetes.io/component'] = 'other';
    const res = await (server as KubeApiServer).dryRunCreate(broken, NAMESPACE);
    expect(res.status).toBe(422);
    expect(res.body.message).toMatch(/`selector` does not match template `labels`/);
    const unknownField = structuredClone(api);
    (unknownField.spec as Record<string, unknown>).replicaCount = 2;
    const strict = await (server as KubeApiServer).dryRunCreate(unknownField, NAMESPACE);
    expect(strict.status).toBe(400);
    expect(strict.body.message).toMatch(/unknown field "spec.replicaCount"/);
  }, 60_000);
});
