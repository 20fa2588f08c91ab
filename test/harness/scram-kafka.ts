import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadStackSettings, REPO_ROOT } from '../../scripts/stack/settings';
import { freePort, portOpen } from './ports';

/**
 * A Kafka broker of the stack's build (same jars) listening like MSK's SASL/SCRAM endpoint: SASL_SSL with a
 * certificate from a CA generated here, SCRAM-SHA-512 users created at format time. Loopback, free ports, its own
 * folder; the shared broker is not touched. Stop it with stop().
 *
 * With `acls`, the broker authorizes like an MSK cluster with ACLs: KRaft's StandardAuthorizer, no super user for the
 * SASL listener (MSK has none; only the broker's own PLAINTEXT listeners on loopback act as User:ANONYMOUS), and
 * `allow.everyone.if.no.acl.found` as given. `restart` changes that setting and starts the broker again on the same
 * data, ACLs and users kept: MSK's second step (a configuration revision) once the ACLs are in.
 */
export interface ScramKafka {
  readonly broker: string;
  readonly caFile: string;
  readonly user: { readonly name: string; readonly password: string };
  /** Every SCRAM user by name: `user` and the `users` asked for. */
  readonly passwords: ReadonlyMap<string, string>;
  restart(acls: { allowEveryoneIfNoAclFound: boolean }): Promise<void>;
  stop(): Promise<void>;
}

export interface ScramKafkaOptions {
  /** More SCRAM-SHA-512 users (a password is made for each). */
  readonly users?: readonly string[];
  readonly acls?: { readonly allowEveryoneIfNoAclFound: boolean };
}

export async function startScramKafka(options: ScramKafkaOptions = {}): Promise<ScramKafka> {
  const dir = mkdtempSync(join(REPO_ROOT, '.data', 'scram-kafka-'));
  const path = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=crypto-oms test CA');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  writeFileSync(path('san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'san.ext');
  // Kafka's PEM keystore: the PKCS#8 key and the certificate in one file.
  openssl('pkcs8', '-topk8', '-nocrypt', '-in', 'server.key', '-out', 'server.pk8');
  writeFileSync(path('keystore.pem'), readFileSync(path('server.pk8'), 'utf8') + readFileSync(path('server.pem'), 'utf8'));

  const [port, internal, controller] = [await freePort(), await freePort(), await freePort()];
  const user = { name: 'oms', password: 'oms-scram-password-for-tests' };
  const passwords = new Map<string, string>([[user.name, user.password], ...(options.users ?? []).map((name): [string, string] => [name, `${name}-scram-password-for-tests`])]);
  const authorizer = (acls: { allowEveryoneIfNoAclFound: boolean } | undefined) =>
    acls === undefined
      ? []
      : ['authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer', 'super.users=User:ANONYMOUS', `allow.everyone.if.no.acl.found=${acls.allowEveryoneIfNoAclFound}`];
  const writeProperties = (acls: { allowEveryoneIfNoAclFound: boolean } | undefined) => {
    writeFileSync(
      path('server.properties'),
      [
        'process.roles=broker,controller',
        'node.id=1',
        `controller.quorum.voters=1@127.0.0.1:${controller}`,
        `listeners=SASL_SSL://127.0.0.1:${port},INTERNAL://127.0.0.1:${internal},CONTROLLER://127.0.0.1:${controller}`,
        `advertised.listeners=SASL_SSL://127.0.0.1:${port},INTERNAL://127.0.0.1:${internal}`,
        'controller.listener.names=CONTROLLER',
        'inter.broker.listener.name=INTERNAL',
        'listener.security.protocol.map=CONTROLLER:PLAINTEXT,INTERNAL:PLAINTEXT,SASL_SSL:SASL_SSL',
        'sasl.enabled.mechanisms=SCRAM-SHA-512',
        'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
        'ssl.keystore.type=PEM',
        `ssl.keystore.location=${path('keystore.pem')}`,
        `log.dirs=${path('data')}`,
        'offsets.topic.replication.factor=1',
        'transaction.state.log.replication.factor=1',
        'transaction.state.log.min.isr=1',
        'group.initial.rebalance.delay.ms=0',
        'auto.create.topics.enable=false',
        ...authorizer(acls),
        '',
      ].join('\n'),
    );
  };
  writeProperties(options.acls);
  const libs = join(loadStackSettings().cacheDir, 'kafka-3.9.1', 'libs');
  const java = (mainClass: string, args: string[]) => [
    '-Xms128m',
    '-Xmx384m',
    `-Dkafka.logs.dir=${path('logs')}`,
    `-Dlog4j.configuration=file:${join(REPO_ROOT, 'scripts', 'stack', 'kafka', 'log4j.properties')}`,
    '-cp',
    `${libs}/*`,
    mainClass,
    ...args,
  ];
  const clusterId = execFileSync('java', java('kafka.tools.StorageTool', ['random-uuid']), { encoding: 'utf8' }).trim();
  const scram = [...passwords].flatMap(([name, password]) => ['--add-scram', `SCRAM-SHA-512=[name=${name},password=${password}]`]);
  execFileSync('java', java('kafka.tools.StorageTool', ['format', '-t', clusterId, '-c', path('server.properties'), ...scram]), { stdio: 'pipe' });

  let output = '';
  let child: ChildProcess;
  const halt = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
  };
  const stop = async () => {
    await halt();
    rmSync(dir, { recursive: true, force: true });
  };
  const launch = async () => {
    output = '';
    child = spawn('java', java('kafka.Kafka', [path('server.properties')]), { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
    child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
    await listening();
  };
  const listening = async () => {
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (child.exitCode !== null) {
        await stop();
        throw new Error(`the SCRAM broker exited:\n${output}`);
      }
      if (await portOpen(port)) break;
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`the SCRAM broker did not listen within 90 s:\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };
  await launch();
  const restart = async (acls: { allowEveryoneIfNoAclFound: boolean }) => {
    await halt();
    writeProperties(acls);
    await launch();
  };
  return { broker: `127.0.0.1:${port}`, caFile: path('ca.pem'), user, passwords, restart, stop };
}
