import { Kafka, logLevel } from 'kafkajs';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureTopics, kafkaTopics } from '../../../infra/kafka/topics';
import { runLogged } from '../processes';
import type { StackSettings } from '../settings';
import { serverDataDir, type StackServer } from './server';

const VERSION = '3.9.1';

function libsDir(settings: StackSettings): string {
  return join(settings.cacheDir, `kafka-${VERSION}`, 'libs');
}

function propertiesFile(settings: StackSettings): string {
  return join(serverDataDir(settings, 'kafka'), 'server.properties');
}

function logDirs(settings: StackSettings): string {
  return join(serverDataDir(settings, 'kafka'), 'data');
}

function java(settings: StackSettings, mainClass: string, args: readonly string[]): { command: string; args: string[] } {
  return {
    command: 'java',
    args: [
      '-Xms256m',
      '-Xmx512m',
      `-Dkafka.logs.dir=${join(serverDataDir(settings, 'kafka'), 'logs')}`,
      `-Dlog4j.configuration=file:${join(settings.repoRoot, 'scripts', 'stack', 'kafka', 'log4j.properties')}`,
      '-cp',
      `${libsDir(settings)}/*`,
      mainClass,
      ...args,
    ],
  };
}

function admin(settings: StackSettings) {
  const kafka = new Kafka({
    clientId: 'crypto-oms-stack',
    brokers: [`127.0.0.1:${settings.ports.kafka}`],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2_000,
    retry: { retries: 2 },
  });
  return kafka.admin();
}

/** A single-node KRaft broker bound to loopback; topics are created explicitly, never automatically. */
function serverProperties(settings: StackSettings): string {
  const { kafka, kafkaController } = settings.ports;
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${kafkaController}`,
    `listeners=PLAINTEXT://127.0.0.1:${kafka},CONTROLLER://127.0.0.1:${kafkaController}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${kafka}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${logDirs(settings)}`,
    'num.partitions=3',
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    '',
  ].join('\n');
}

export const kafkaServer: StackServer = {
  name: 'kafka',
  version: VERSION,
  installTools: [
    { command: 'java', hint: 'install a JDK 17 or newer (Debian: apt-get install openjdk-17-jdk-headless)' },
    { command: 'mvn', hint: 'install Apache Maven (Debian: apt-get install maven)' },
  ],
  startTimeoutMs: 90_000,
  port: (s) => s.ports.kafka,
  address: (s) => `127.0.0.1:${s.ports.kafka}`,
  isInstalled: (s) => existsSync(join(libsDir(s), '.complete')),

  async install({ settings }, logFile) {
    const target = libsDir(settings);
    const scratch = `${target}.partial`;
    rmSync(scratch, { recursive: true, force: true });
    await runLogged(
      'mvn',
      [
        '-q',
        '-B',
        `-Dmaven.repo.local=${join(settings.cacheDir, 'maven-repo')}`,
        '-f',
        join(settings.repoRoot, 'scripts', 'stack', 'kafka', 'pom.xml'),
        'dependency:copy-dependencies',
        `-DoutputDirectory=${scratch}`,
      ],
      { cwd: settings.repoRoot, logFile },
    );
    writeFileSync(join(scratch, '.complete'), `${new Date().toISOString()}\n`);
    rmSync(target, { recursive: true, force: true });
    renameSync(scratch, target);
  },

  async prepare({ settings, say }) {
    mkdirSync(join(serverDataDir(settings, 'kafka'), 'logs'), { recursive: true });
    writeFileSync(propertiesFile(settings), serverProperties(settings));
    if (existsSync(join(logDirs(settings), 'meta.properties'))) return;
    say('kafka: formatting KRaft storage');
    const logFile = join(serverDataDir(settings, 'kafka'), 'logs', 'storage-format.log');
    const uuid = java(settings, 'kafka.tools.StorageTool', ['random-uuid']);
    const clusterId = execFileSync(uuid.command, uuid.args, { encoding: 'utf8' }).trim();
    const format = java(settings, 'kafka.tools.StorageTool', [
      'format',
      '-t',
      clusterId,
      '-c',
      propertiesFile(settings),
      '--ignore-formatted',
    ]);
    await runLogged(format.command, format.args, { cwd: serverDataDir(settings, 'kafka'), logFile });
  },

  launch(settings) {
    const run = java(settings, 'kafka.Kafka', [propertiesFile(settings)]);
    return { ...run, marker: propertiesFile(settings) };
  },

  async healthy(settings) {
    const client = admin(settings);
    try {
      await client.connect();
      const cluster = await client.describeCluster();
      return cluster.brokers.length > 0 && cluster.controller !== null;
    } finally {
      await client.disconnect();
    }
  },

  async configure({ settings, say }) {
    const client = admin(settings);
    try {
      await client.connect();
      // The stack's own topics, unprefixed; a test run creates its prefixed ones itself (test/global-setup.ts).
      const created = await ensureTopics(client, kafkaTopics(''));
      if (created.length > 0) say(`kafka: created topics ${created.join(', ')}`);
    } finally {
      await client.disconnect();
    }
  },
};
