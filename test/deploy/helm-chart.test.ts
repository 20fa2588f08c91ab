import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { parseKafkaAclUsers } from '../../workers/kafka-access';
import { internalSecretProblems } from '../harness/internal-calls';
import { CHART_DIR, checkov, ensureTools, parseManifests, renderChart, run, runOk, TERRAFORM_DIR, TOOL, VALUES_FILES, type K8sObject, type ValuesName } from './tools';

const SERVICES = ['api', 'worker', 'risk', 'venue', 'market-data'] as const;
/** Who each process calls (workers/*.ts): the chart's NetworkPolicies must allow exactly these services. */
const CALLS: Record<(typeof SERVICES)[number], string[]> = {
  api: ['risk', 'market-data'],
  worker: ['risk', 'venue'],
  risk: ['venue'],
  venue: [],
  'market-data': [],
};

interface Container {
  name: string;
  image: string;
  command?: string[];
  startupProbe?: { httpGet?: { path: string } };
  livenessProbe?: { httpGet?: { path: string } };
  readinessProbe?: { httpGet?: { path: string } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}
interface PodSpec {
  containers: Container[];
  securityContext?: Record<string, unknown>;
  terminationGracePeriodSeconds?: number;
  serviceAccountName?: string;
}
const podSpec = (o: K8sObject): PodSpec => (o.spec as { template: { spec: PodSpec } }).template.spec;
type EnvEntry = { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } };
/** The first container's own env entries (what envFrom brings is not among them). */
const envOf = (o: K8sObject): EnvEntry[] => (podSpec(o).containers[0] as unknown as { env?: EnvEntry[] }).env ?? [];
/** The entries whose names start with `prefix`, as `NAME=value` or `NAME=<-secret:key`. */
const envWith = (o: K8sObject, prefix: string): string[] =>
  envOf(o)
    .filter((e) => e.name.startsWith(prefix))
    .map((e) => `${e.name}=${e.value ?? `<-${e.valueFrom?.secretKeyRef?.name}:${e.valueFrom?.secretKeyRef?.key}`}`);
const named = (objects: K8sObject[], kind: string, name: string): K8sObject | undefined => objects.find((o) => o.kind === kind && o.metadata.name === name);
const ofKind = (objects: K8sObject[], kind: string): K8sObject[] => objects.filter((o) => o.kind === kind);

/** The chart: helm lint, a strict schema check of both renders, and what issue 13 asks of every object. */
describe('Helm chart deploy/helm/crypto-oms', () => {
  const rendered: Partial<Record<ValuesName, string>> = {};
  const objects: Partial<Record<ValuesName, K8sObject[]>> = {};

  beforeAll(() => {
    ensureTools('helm', 'kubeconform', 'pytools');
    for (const values of ['local', 'aws'] as const) {
      rendered[values] = renderChart(values);
      objects[values] = parseManifests(rendered[values]);
    }
  }, 30 * 60_000);

  it.each(['local', 'aws'] as const)('passes helm lint --strict with values-%s.yaml', (values) => {
    const out = runOk(TOOL.helm, ['lint', '--strict', CHART_DIR, '-f', VALUES_FILES[values], '--kube-version', '1.37.0']);
    expect(out).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it('refuses values the schema does not know (values.schema.json is strict)', () => {
    const unknownKey = run(TOOL.helm, ['lint', '--strict', CHART_DIR, '-f', VALUES_FILES.aws, '--set', 'services.api.replicaCount=3']);
    expect(unknownKey.status).not.toBe(0);
    expect(unknownKey.stdout + unknownKey.stderr).toMatch(/replicaCount/);
    const productionWithoutSecret = run(TOOL.helm, ['template', 'oms', CHART_DIR, '-f', VALUES_FILES.aws, '--set', 'secrets.existingSecret=']);
    expect(productionWithoutSecret.status).not.toBe(0);
  });

  it.each(['local', 'aws'] as const)('renders values-%s.yaml into objects kubeconform -strict accepts (Kubernetes 1.37 schemas)', (values) => {
    const file = join(mkdtempSync(join(tmpdir(), 'crypto-oms-chart-')), `${values}.yaml`);
    writeFileSync(file, rendered[values] ?? '');
    const result = run(TOOL.kubeconform, [
      '-strict', '-summary', '-output', 'text',
      '-schema-location', `${TOOL.schemas}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
      // The ServiceMonitor CRD is not in the Kubernetes schemas: the kube-apiserver test checks it against its CRD.
      '-skip', 'ServiceMonitor',
      file,
    ]);
    expect({ status: result.status, out: result.stdout + result.stderr }).toEqual({ status: 0, out: expect.stringMatching(/Invalid: 0, Errors: 0/) });
    expect(result.stdout).not.toMatch(/Skipped: [1-9].*Valid: 0/);
    // The same check refuses a field Kubernetes does not have.
    writeFileSync(file, (rendered[values] ?? '').replace(/^( +)imagePullPolicy: (\w+)$/m, '$1imagePullPolicy: $2\n$1pullPolicy: Always'));
    const broken = run(TOOL.kubeconform, ['-strict', '-schema-location', `${TOOL.schemas}/{{ .ResourceKind }}{{ .KindSuffix }}.json`, '-skip', 'ServiceMonitor', file]);
    expect(broken.status).toBe(1);
    expect(broken.stdout).toMatch(/additional properties 'pullPolicy' not allowed/);
  });

  it.each(['local', 'aws'] as const)('values-%s.yaml: a Deployment per service with probes, resources and a restricted securityContext on every container', (values) => {
    const all = objects[values] ?? [];
    for (const service of SERVICES) expect(named(all, 'Deployment', `${values === 'local' ? 'oms' : 'crypto-oms'}-${service}`)).toBeDefined();
    const deployments = ofKind(all, 'Deployment');
    expect(deployments.length).toBe(values === 'local' ? 9 : 5);
    for (const d of [...deployments, ...ofKind(all, 'Job')]) {
      const spec = podSpec(d);
      expect({ name: d.metadata.name, pod: spec.securityContext }).toEqual({
        name: d.metadata.name,
        pod: expect.objectContaining({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }),
      });
      for (const c of spec.containers) {
        const where = `${d.kind} ${d.metadata.name}/${c.name}`;
        if (d.kind === 'Deployment') {
          expect({ where, probes: [!!c.startupProbe, !!c.livenessProbe, !!c.readinessProbe] }).toEqual({ where, probes: [true, true, true] });
        }
        expect({ where, requests: Object.keys(c.resources?.requests ?? {}).sort(), limits: Object.keys(c.resources?.limits ?? {}).sort() }).toEqual({
          where,
          requests: ['cpu', 'memory'],
          limits: ['cpu', 'memory'],
        });
        expect({ where, sc: c.securityContext }).toEqual({
          where,
          sc: expect.objectContaining({ allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } }),
        });
      }
    }
  });

  it.each(['local', 'aws'] as const)('values-%s.yaml: the services run node dist/workers/<name>.js read-only, probe /health and /ready, and outlast their drain', (values) => {
    const all = objects[values] ?? [];
    const prefix = values === 'local' ? 'oms' : 'crypto-oms';
    for (const service of SERVICES) {
      const d = named(all, 'Deployment', `${prefix}-${service}`);
      const spec = podSpec(d as K8sObject);
      const [c] = spec.containers;
      expect(c?.command).toEqual(['node', `dist/workers/${service}.js`]);
      expect(c?.startupProbe?.httpGet?.path).toBe('/health');
      expect(c?.livenessProbe?.httpGet?.path).toBe('/health');
      expect(c?.readinessProbe?.httpGet?.path).toBe('/ready');
      expect(c?.securityContext?.readOnlyRootFilesystem).toBe(true);
      expect(c?.volumeMounts).toEqual(expect.arrayContaining([{ name: 'tmp', mountPath: '/tmp' }]));
      // Kafka's default session timeout is 30 s; every drain (server close, consumer stop, worker shutdown) fits in more.
      expect(spec.terminationGracePeriodSeconds).toBeGreaterThan(30);
    }
    expect(podSpec(named(all, 'Deployment', `${prefix}-worker`) as K8sObject).terminationGracePeriodSeconds).toBeGreaterThanOrEqual(60);
  });

  it('values-aws.yaml: HPAs for api, worker and market-data, a PDB per service, IRSA, the Ingress, the ServiceMonitor', () => {
    const all = objects.aws ?? [];
    expect(ofKind(all, 'HorizontalPodAutoscaler').map((o) => o.metadata.name).sort()).toEqual(['crypto-oms-api', 'crypto-oms-market-data', 'crypto-oms-worker']);
    expect(ofKind(all, 'PodDisruptionBudget').map((o) => o.metadata.name).sort()).toEqual(SERVICES.map((s) => `crypto-oms-${s}`).sort());
    expect(named(all, 'ServiceAccount', 'crypto-oms')?.metadata.annotations?.['eks.amazonaws.com/role-arn']).toMatch(/^arn:aws:iam::\d{12}:role\//);
    expect(named(all, 'ServiceMonitor', 'crypto-oms')).toBeDefined();
    expect(named(all, 'Secret', 'crypto-oms-secrets')).toBeUndefined();
    const ingress = named(all, 'Ingress', 'crypto-oms') as K8sObject;
    const paths = (ingress.spec as { rules: Array<{ http: { paths: Array<{ path: string; backend: { service: { name: string } } }> } }> }).rules[0]?.http.paths;
    expect(paths?.map((p) => [p.path, p.backend.service.name])).toEqual([
      ['/ws/market-data', 'crypto-oms-market-data'],
      ['/', 'crypto-oms-api'],
    ]);
  });

  it.each([
    ['aws', 'pre-install,pre-upgrade'],
    ['local', 'post-install,post-upgrade'],
  ] as const)('values-%s.yaml: hook Jobs create the topics, register the search attributes and build the indexes (%s)', (values, hook) => {
    const jobs = ofKind(objects[values] ?? [], 'Job');
    const commands = jobs.map((j) => podSpec(j).containers[0]?.command?.join(' '));
    expect(commands).toEqual(
      expect.arrayContaining(['node dist/workers/create-topics.js', 'node dist/workers/register-search-attributes.js', 'node dist/workers/build-indexes.js']),
    );
    for (const job of jobs) expect(job.metadata.annotations?.['helm.sh/hook']).toBe(hook);
    // An index build on a large store may outlast the other jobs' deadline; it reaches only the store.
    const prefix = values === 'local' ? 'oms' : 'crypto-oms';
    const deadline = (name: string) => (named(objects[values] ?? [], 'Job', `${prefix}-${name}`)?.spec as { activeDeadlineSeconds?: number } | undefined)?.activeDeadlineSeconds;
    expect([deadline('build-indexes'), deadline('create-topics')]).toEqual([7200, 600]);
    const egress = (named(objects[values] ?? [], 'NetworkPolicy', `${prefix}-build-indexes`)?.spec as { egress: Array<{ ports: Array<{ port: number }> }> }).egress;
    expect(egress.flatMap((rule) => rule.ports.map((p) => p.port)).filter((port) => port !== 53)).toEqual([27017]);
    // What pre-install Jobs read must exist before them: the ConfigMap (and Secret, ServiceAccount) are hooks of a lower
    // weight then; before post-install Jobs they are ordinary resources of the release.
    for (const kind of ['ConfigMap', 'ServiceAccount']) {
      const annotations = ofKind(objects[values] ?? [], kind)[0]?.metadata.annotations ?? {};
      if (hook.startsWith('pre-')) expect(annotations).toEqual(expect.objectContaining({ 'helm.sh/hook': hook, 'helm.sh/hook-weight': '-10' }));
      else expect(annotations['helm.sh/hook']).toBeUndefined();
    }
  });

  it('gives each Deployment only its own internal-call secret (and the risk engine and venue their callers\'), which the services it calls accept', () => {
    const internal = (o: K8sObject) => envOf(o).filter((e) => e.name.startsWith('INTERNAL_AUTH_')).map((e) => `${e.name}<-${e.valueFrom?.secretKeyRef?.name}:${e.valueFrom?.secretKeyRef?.key}`);
    const aws = objects.aws ?? [];
    const secret = 'crypto-oms-internal-auth';
    expect(Object.fromEntries(SERVICES.map((s) => [s, internal(named(aws, 'Deployment', `crypto-oms-${s}`) as K8sObject)]))).toEqual({
      api: [`INTERNAL_AUTH_SECRETS<-${secret}:api`],
      worker: [`INTERNAL_AUTH_SECRETS<-${secret}:worker`],
      risk: [`INTERNAL_AUTH_SECRETS<-${secret}:risk`, `INTERNAL_AUTH_CALLER_SECRETS<-${secret}:risk-callers`],
      venue: [`INTERNAL_AUTH_CALLER_SECRETS<-${secret}:venue-callers`],
      'market-data': [`INTERNAL_AUTH_SECRETS<-${secret}:market-data`],
    });
    for (const job of ofKind(aws, 'Job')) expect([job.metadata.name, internal(job)]).toEqual([job.metadata.name, []]);
    // Development (values-local.yaml): none; each process signs with its development secret.
    for (const d of ofKind(objects.local ?? [], 'Deployment')) expect([d.metadata.name, internal(d)]).toEqual([d.metadata.name, []]);
    // Production without them does not render.
    const without = run(TOOL.helm, ['template', 'oms', CHART_DIR, '-f', VALUES_FILES.aws, '--set', 'secrets.internalAuth.existingSecret=']);
    expect(without.status).not.toBe(0);
    expect(without.stderr).toMatch(/secrets.internalAuth: production needs each process's internal-call secret/);

    // A try-out's values, rendered into the chart's own Secret: what each pod would see lets every call through.
    const tryOut: Record<string, string> = { api: 'a'.repeat(40), worker: 'w'.repeat(40), risk: 'r'.repeat(40), 'market-data': 'm'.repeat(40) };
    tryOut['risk-callers'] = JSON.stringify({ worker: [tryOut.worker], api: [tryOut.api] });
    tryOut['venue-callers'] = JSON.stringify({ worker: [tryOut.worker], risk: [tryOut.risk], 'market-data': [tryOut['market-data']] });
    const values = join(mkdtempSync(join(tmpdir(), 'crypto-oms-chart-')), 'internal-auth.yaml');
    writeFileSync(values, stringify({ secrets: { internalAuth: { existingSecret: '', values: tryOut } } }));
    const rendered = parseManifests(renderChart('aws', ['-f', values]));
    const stored = named(rendered, 'Secret', 'crypto-oms-internal-auth') as K8sObject & { stringData: Record<string, string> };
    expect(Object.keys(stored.stringData).sort()).toEqual(Object.keys(tryOut).sort());
    const podEnv = (process: string): Record<string, string | undefined> => {
      const d = ofKind(rendered, 'Deployment').find((o) => o.metadata.name.endsWith(`-${process}`)) as K8sObject;
      // The internal-auth settings only (each process's Kafka and Redis users are the next tests'; the rest of their settings are in the ConfigMap).
      const own = envOf(d).filter((e) => e.name.startsWith('INTERNAL_AUTH_'));
      return Object.fromEntries(own.map((e) => [e.name, e.value ?? (e.valueFrom?.secretKeyRef?.name === stored.metadata.name ? stored.stringData[e.valueFrom.secretKeyRef.key] : undefined)]));
    };
    expect(internalSecretProblems(podEnv)).toEqual([]);
    // The check can fail: a venue that does not hold market data's secret.
    const broken = (process: string) => (process === 'venue' ? { ...podEnv('venue'), INTERNAL_AUTH_CALLER_SECRETS: JSON.stringify({ worker: [tryOut.worker] }) } : podEnv(process));
    expect(internalSecretProblems(broken)).toEqual(expect.arrayContaining([expect.stringMatching(/venue does not accept market-data's secret/)]));
  });

  it('gives each process its own Kafka user (and the create-topics Job the admin\'s, with the users whose ACLs it keeps), as Terraform names them', () => {
    const kafkaEnv = (o: K8sObject) => envWith(o, 'KAFKA_');
    const aws = objects.aws ?? [];
    const secret = 'crypto-oms-kafka-users';
    expect(Object.fromEntries(SERVICES.map((s) => [s, kafkaEnv(named(aws, 'Deployment', `crypto-oms-${s}`) as K8sObject)]))).toEqual(
      Object.fromEntries(SERVICES.map((s) => [s, [`KAFKA_SASL_USERNAME=crypto-oms-${s}`, `KAFKA_SASL_PASSWORD=<-${secret}:${s}`]])),
    );
    const job = named(aws, 'Job', 'crypto-oms-create-topics') as K8sObject;
    const users = Object.fromEntries(SERVICES.map((s) => [s, `crypto-oms-${s}`]));
    expect(kafkaEnv(job)).toEqual(['KAFKA_SASL_USERNAME=crypto-oms-admin', `KAFKA_SASL_PASSWORD=<-${secret}:admin`, `KAFKA_ACL_USERS=${JSON.stringify(Object.fromEntries(Object.entries(users).sort()))}`]);
    // The job takes what the chart gives it.
    const aclUsers = envOf(job).find((e) => e.name === 'KAFKA_ACL_USERS')?.value;
    expect(parseKafkaAclUsers(aclUsers, 'crypto-oms-admin')).toEqual(users);
    // Terraform's MSK module makes the same users: one secret per key, username crypto-oms-<key>.
    const msk = readFileSync(join(TERRAFORM_DIR, 'modules', 'msk', 'main.tf'), 'utf8');
    const tfUsers = /kafka_users = toset\(\[([^\]]*)\]\)/.exec(msk)?.[1]?.match(/[\w-]+/g) ?? [];
    expect([...tfUsers].sort()).toEqual(['admin', ...SERVICES].sort());
    expect(msk).toContain('username = "crypto-oms-${each.key}"');
    // Other Jobs log in as no one; development (no SASL) sets nothing.
    for (const other of ofKind(aws, 'Job').filter((j) => j !== job)) expect([other.metadata.name, kafkaEnv(other)]).toEqual([other.metadata.name, []]);
    for (const s of SERVICES) expect([s, kafkaEnv(named(objects.local ?? [], 'Deployment', `oms-${s}`) as K8sObject)]).toEqual([s, []]);
    // Production with SASL and no users, or a user missing, does not render.
    const without = run(TOOL.helm, ['template', 'oms', CHART_DIR, '-f', VALUES_FILES.aws, '--set', 'kafka.users=null']);
    expect(without.status).not.toBe(0);
    expect(without.stderr).toMatch(/kafka.users: production with Kafka SASL needs each process's own Kafka user/);
    const missing = run(TOOL.helm, ['template', 'oms', CHART_DIR, '-f', VALUES_FILES.local, '--set', 'kafka.saslMechanism=scram-sha-512,kafka.users.admin=a,kafka.users.api=b']);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(/kafka.users: worker is missing/);
  });

  it('gives each process that uses Redis its own Redis user, as Terraform names them; production without them does not render', () => {
    const redisEnv = (o: K8sObject) => envWith(o, 'REDIS_');
    const aws = objects.aws ?? [];
    const users = (s: string) => (['api', 'risk', 'market-data'].includes(s) ? [`REDIS_USERNAME=crypto-oms-${s}`, `REDIS_PASSWORD=<-crypto-oms-redis-users:${s}`] : []);
    expect(Object.fromEntries(SERVICES.map((s) => [s, redisEnv(named(aws, 'Deployment', `crypto-oms-${s}`) as K8sObject)]))).toEqual(Object.fromEntries(SERVICES.map((s) => [s, users(s)])));
    for (const s of SERVICES) expect([s, redisEnv(named(objects.local ?? [], 'Deployment', `oms-${s}`) as K8sObject)]).toEqual([s, []]);
    // Terraform's Redis module makes the same users (crypto-oms-<process>, one per access string).
    const redis = readFileSync(join(TERRAFORM_DIR, 'modules', 'redis', 'main.tf'), 'utf8');
    expect(redis).toContain('user_name     = "crypto-oms-${each.key}"');
    const without = run(TOOL.helm, ['template', 'oms', CHART_DIR, '-f', VALUES_FILES.aws, '--set', 'redis.users=null']);
    expect(without.status).not.toBe(0);
    expect(without.stderr).toMatch(/redis.users: production needs each process's own Redis user/);
    const missing = run(TOOL.helm, ['template', 'oms', CHART_DIR, '-f', VALUES_FILES.local, '--set', 'redis.users.api=a']);
    expect(missing.stderr).toMatch(/redis.users: risk is missing/);
  });

  it.each(['local', 'aws'] as const)('values-%s.yaml: each service has a NetworkPolicy that lets it call only the services it uses', (values) => {
    const all = objects[values] ?? [];
    const prefix = values === 'local' ? 'oms' : 'crypto-oms';
    for (const service of SERVICES) {
      const policy = named(all, 'NetworkPolicy', `${prefix}-${service}`) as K8sObject;
      const spec = policy.spec as {
        policyTypes: string[];
        egress: Array<{
          to?: Array<{ podSelector?: { matchLabels: Record<string, string> }; namespaceSelector?: unknown; ipBlock?: { cidr: string } }>;
          ports: Array<{ port: number }>;
        }>;
      };
      expect(spec.policyTypes).toEqual(['Ingress', 'Egress']);
      const calledServices = spec.egress
        .flatMap((rule) => rule.to ?? [])
        // Pods of this release (a peer with a namespaceSelector is elsewhere: Temporal's own namespace).
        .filter((peer) => peer.namespaceSelector === undefined)
        .map((peer) => peer.podSelector?.matchLabels['app.kubernetes.io/component'])
        .filter((c): c is string => c !== undefined && !c.startsWith('local-'));
      expect({ service, calls: calledServices.sort() }).toEqual({ service, calls: [...CALLS[service]].sort() });
      // Every egress rule but DNS names its destination.
      for (const rule of spec.egress) {
        if (rule.ports.some((p) => p.port === 53)) continue;
        expect({ service, to: (rule.to ?? []).length > 0 }).toEqual({ service, to: true });
      }
    }
  });

  it("takes the values Terraform generates (terraform/modules/stack output helm_values) on top of values-aws.yaml", () => {
    // The keys of the yamlencode({...}) in the output, read from the HCL (Terraform cannot run here): key = value
    // pairs at the first two levels; lists of peers (allowTo, ingressFrom) get a sample CIDR.
    const hcl = readFileSync(join(TERRAFORM_DIR, 'modules', 'stack', 'outputs.tf'), 'utf8');
    const block = /output "helm_values" \{[\s\S]*?yamlencode\(\{([\s\S]*?)\n {2}\}\)/.exec(hcl)?.[1] ?? '';
    const values: Record<string, Record<string, unknown>> = {};
    let current: string | undefined;
    for (const line of block.split('\n')) {
      const top = /^ {4}(\w+)\s*=\s*(.*)$/.exec(line);
      const pairs = (text: string) => [...text.replace(/\[[^\]]*\]?/g, '[').matchAll(/(\w+)\s*=\s*(\[|[\w."$]+)/g)].map((m) => [m[1] as string, m[2] === '[' ? [{ ipBlock: { cidr: '10.20.48.0/20' } }] : 'sample'] as const);
      const key = top?.[1];
      if (key !== undefined) {
        current = key;
        values[key] = Object.fromEntries(pairs((top?.[2] ?? '').replace(/^\{/, '')));
      } else if (current !== undefined && /^ {6}\w+\s*=/.test(line)) {
        Object.assign(values[current] ?? {}, Object.fromEntries(pairs(line)));
      }
    }
    expect(Object.keys(values).sort()).toEqual(['image', 'ingress', 'kafka', 'mongo', 'networkPolicy', 'redis', 'serviceAccount']);
    // Sample values of the right shape where the schema checks a format.
    Object.assign(values.kafka ?? {}, { brokers: 'b-1.example.kafka.eu-west-1.amazonaws.com:9096', users: Object.fromEntries(['admin', ...SERVICES].map((u) => [u, `crypto-oms-${u}`])) });
    Object.assign(values.redis ?? {}, { url: 'rediss://master.example.cache.amazonaws.com:6379', users: Object.fromEntries(['api', 'risk', 'market-data'].map((u) => [u, `crypto-oms-${u}`])) });
    Object.assign(values.serviceAccount ?? {}, { irsaRoleArn: 'arn:aws:iam::123456789012:role/crypto-oms-dev-app' });
    Object.assign(values.ingress ?? {}, { host: 'oms-dev.example.com' });
    const generated = join(mkdtempSync(join(tmpdir(), 'crypto-oms-tf-values-')), 'aws-generated.yaml');
    writeFileSync(generated, stringify(values));
    const out = runOk(TOOL.helm, ['lint', '--strict', CHART_DIR, '-f', VALUES_FILES.aws, '-f', generated]);
    expect(out).toMatch(/0 chart\(s\) failed/);
  });

  it('passes checkov over both renders with zero failures outside the reviewed baseline (deploy/checkov-baseline.yaml)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'crypto-oms-checkov-'));
    writeFileSync(join(dir, 'local.yaml'), rendered.local ?? '');
    writeFileSync(join(dir, 'aws.yaml'), rendered.aws ?? '');
    const { uncovered, unused, passed } = checkov('kubernetes', { dir });
    expect(uncovered).toEqual([]);
    expect(unused).toEqual([]);
    expect(passed).toBeGreaterThan(100);
  }, 300_000);
});
