import { MongoClient } from 'mongodb';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLogged } from '../processes';
import type { StackSettings } from '../settings';
import { serverDataDir, type StackServer } from './server';

const VERSION = '1.47.0';

function installDir(settings: StackSettings): string {
  return join(settings.cacheDir, `mongo-java-server-${VERSION}`);
}

function launcherSource(settings: StackSettings): string {
  return join(settings.repoRoot, 'scripts', 'stack', 'mongo', 'Launcher.java');
}

/** The compiled launcher is keyed by the source's hash, so a changed Launcher.java is rebuilt. */
function classesDir(settings: StackSettings): string {
  const hash = createHash('sha256').update(readFileSync(launcherSource(settings))).digest('hex').slice(0, 12);
  return join(installDir(settings), `launcher-${hash}`);
}

/**
 * mongo-java-server with its H2 file backend, started by the project's Launcher.java, which reports
 * wire version 17 and commits after every command (see scripts/stack/mongo/Launcher.java).
 */
export const mongoServer: StackServer = {
  name: 'mongo',
  version: VERSION,
  installTools: [
    { command: 'java', hint: 'install a JDK 17 or newer (Debian: apt-get install openjdk-17-jdk-headless)' },
    { command: 'javac', hint: 'install a JDK 17 or newer, not only a JRE (Debian: apt-get install openjdk-17-jdk-headless)' },
    { command: 'mvn', hint: 'install Apache Maven (Debian: apt-get install maven)' },
  ],
  startTimeoutMs: 60_000,
  port: (s) => s.ports.mongo,
  address: (s) => `127.0.0.1:${s.ports.mongo}`,
  isInstalled: (s) => existsSync(join(installDir(s), 'libs', '.complete')) && existsSync(join(classesDir(s), 'Launcher.class')),

  async install({ settings }, logFile) {
    const libs = join(installDir(settings), 'libs');
    if (!existsSync(join(libs, '.complete'))) {
      const scratch = `${libs}.partial`;
      rmSync(scratch, { recursive: true, force: true });
      await runLogged(
        'mvn',
        [
          '-q',
          '-B',
          `-Dmaven.repo.local=${join(settings.cacheDir, 'maven-repo')}`,
          '-f',
          join(settings.repoRoot, 'scripts', 'stack', 'mongo', 'pom.xml'),
          'dependency:copy-dependencies',
          `-DoutputDirectory=${scratch}`,
        ],
        { cwd: settings.repoRoot, logFile },
      );
      writeFileSync(join(scratch, '.complete'), `${new Date().toISOString()}\n`);
      rmSync(libs, { recursive: true, force: true });
      renameSync(scratch, libs);
    }
    const classes = classesDir(settings);
    const scratchClasses = `${classes}.partial`;
    rmSync(scratchClasses, { recursive: true, force: true });
    mkdirSync(scratchClasses, { recursive: true });
    await runLogged('javac', ['-d', scratchClasses, '-cp', `${libs}/*`, launcherSource(settings)], { cwd: settings.repoRoot, logFile });
    rmSync(classes, { recursive: true, force: true });
    renameSync(scratchClasses, classes);
  },

  prepare({ settings }) {
    mkdirSync(serverDataDir(settings, 'mongo'), { recursive: true });
    return Promise.resolve();
  },

  launch(settings) {
    const dataFile = join(serverDataDir(settings, 'mongo'), 'oms.mv.db');
    return {
      command: 'java',
      marker: dataFile,
      args: ['-Xmx512m', '-cp', `${join(installDir(settings), 'libs')}/*:${classesDir(settings)}`, 'Launcher', String(settings.ports.mongo), dataFile],
    };
  },

  async healthy(settings) {
    const client = new MongoClient(`mongodb://127.0.0.1:${settings.ports.mongo}`, { serverSelectionTimeoutMS: 1_000, connectTimeoutMS: 1_000 });
    try {
      await client.connect();
      const answer = await client.db('admin').command({ ping: 1 });
      return answer.ok === 1;
    } finally {
      await client.close();
    }
  },

  configure: () => Promise.resolve(),
};
