import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../harness/ports';
import { TOOL, type K8sObject } from './tools';

export interface ApiResponse {
  status: number;
  body: { message?: string; status?: { conditions?: Array<{ type: string; status: string }> }; resources?: Array<{ name: string; kind: string; namespaced: boolean }> } & Record<string, unknown>;
}

/**
 * A real kube-apiserver and etcd (built from the Go module proxy by scripts/ensure-deploy-tools.sh) on free loopback
 * ports, in a temporary folder, with a static admin token. stop() ends both and removes the folder.
 */
export class KubeApiServer {
  private readonly children: ChildProcess[] = [];
  private readonly logs: string[] = [];
  private readonly resources = new Map<string, Map<string, { name: string; namespaced: boolean }>>();
  private constructor(private readonly dir: string, private readonly port: number, private readonly token: string) {}

  static async start(): Promise<KubeApiServer> {
    const dir = mkdtempSync(join(tmpdir(), 'crypto-oms-kapi-'));
    const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
    const token = randomBytes(24).toString('hex');
    writeFileSync(join(dir, 'tokens.csv'), `${token},admin,admin,system:masters\n`);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    mkdirSync(join(dir, 'certs'));
    const server = new KubeApiServer(dir, apiPort, token);
    server.spawn(TOOL.etcd, [
      '--name', 'test', '--data-dir', join(dir, 'etcd'),
      '--listen-client-urls', `http://127.0.0.1:${etcdClient}`, '--advertise-client-urls', `http://127.0.0.1:${etcdClient}`,
      '--listen-peer-urls', `http://127.0.0.1:${etcdPeer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${etcdPeer}`,
      '--initial-cluster', `test=http://127.0.0.1:${etcdPeer}`, '--log-level', 'warn',
    ]);
    server.spawn(TOOL.kubeApiserver, [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${apiPort}`,
      `--cert-dir=${join(dir, 'certs')}`, '--endpoint-reconciler-type=none',
      `--token-auth-file=${join(dir, 'tokens.csv')}`, '--authorization-mode=RBAC',
      `--service-account-key-file=${join(dir, 'sa.key')}`, `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
      '--service-account-issuer=https://kubernetes.default.svc', '--service-cluster-ip-range=10.96.0.0/16',
    ]);
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        if ((await server.call('GET', '/readyz')).status === 200) return server;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await server.stop();
        throw new Error(`kube-apiserver not ready within 60 s:\n${server.logs.join('').slice(-4000)}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  private spawn(binary: string, args: string[]): void {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => {
      this.logs.push(chunk.toString());
      if (this.logs.length > 200) this.logs.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.children.push(child);
  }

  async call(method: string, path: string, body?: unknown): Promise<ApiResponse> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: this.port,
          method,
          path,
          // The server's own self-signed certificate, on loopback, for this test only.
          rejectUnauthorized: false,
          headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json', accept: 'application/json' },
          timeout: 30_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            let parsed: ApiResponse['body'];
            try {
              parsed = JSON.parse(text) as ApiResponse['body'];
            } catch {
              parsed = { message: text };
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.end(payload);
    });
  }

  /** The REST path of an object's collection, from the server's discovery. */
  async collectionPath(object: K8sObject, namespace: string): Promise<string> {
    const base = object.apiVersion.includes('/') ? `/apis/${object.apiVersion}` : `/api/${object.apiVersion}`;
    let kinds = this.resources.get(base);
    if (kinds === undefined) {
      const res = await this.call('GET', base);
      if (res.status !== 200) throw new Error(`discovery of ${base}: ${res.status} ${res.body.message ?? ''}`);
      kinds = new Map((res.body.resources ?? []).filter((r) => !r.name.includes('/')).map((r) => [r.kind, { name: r.name, namespaced: r.namespaced }]));
      this.resources.set(base, kinds);
    }
    const resource = kinds.get(object.kind);
    if (resource === undefined) throw new Error(`the server does not serve ${object.kind} in ${object.apiVersion}`);
    return resource.namespaced ? `${base}/namespaces/${namespace}/${resource.name}` : `${base}/${resource.name}`;
  }

  /** Creates the object for real (a namespace, a CRD). */
  async create(object: K8sObject, namespace = 'default'): Promise<ApiResponse> {
    return this.call('POST', await this.collectionPath(object, namespace), object);
  }

  /** What `kubectl apply --dry-run=server --validate=strict` does for a new object: admission, defaulting, validation, nothing stored. */
  async dryRunCreate(object: K8sObject, namespace: string): Promise<ApiResponse> {
    return this.call('POST', `${await this.collectionPath(object, namespace)}?dryRun=All&fieldValidation=Strict`, object);
  }

  async waitForCrd(name: string): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const res = await this.call('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
      if (res.body.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`CRD ${name} not established within 30 s`);
  }

  async stop(): Promise<void> {
    await Promise.all(
      [...this.children].reverse().map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }
}
