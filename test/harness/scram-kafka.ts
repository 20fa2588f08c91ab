import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { loadStackSettings, REPO_ROOT } from '../../scripts/stack/settings';
import { freePort } from './system';

/**
 * A Kafka broker of the stack's build (same jars) listening like MSK's SASL/SCRAM endpoint: SASL_SSL with a
 * certificate from a CA generated here, SCRAM-SHA-512 users created at format time. Loopback, free ports, its own
 * folder; the shared broker is not touched. Stop it with stop().
 */
export interface ScramKafka {
  readonly broker: string;
  readonly caFile: string;
  readonly user: { readonly name: string; readonly password: string };
  stop(): Promise<void>;
}

export async function startScramKafka(): Promise<ScramKafka> {
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
      '',
    ].join('\n'),
  );
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
  execFileSync('java', java('kafka.tools.StorageTool', ['format', '-t', clusterId, '-c', path('server.properties'), '--add-scram', `SCRAM-SHA-512=[name=${user.name},password=${user.password}]`]), { stdio: 'pipe' });

  let output = '';
  const child: ChildProcess = spawn('java', java('kafka.Kafka', [path('server.properties')]), { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`the SCRAM broker exited:\n${output}`);
    }
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the SCRAM broker did not listen within 90 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { broker: `127.0.0.1:${port}`, caFile: path('ca.pem'), user, stop };
}
