import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { REPO_ROOT } from './stack/settings';

/**
 * Builds the dashboard (web/) into web/dist with Vite when it is missing or older than its sources, so that
 * `npm start` and the browser tests serve the current page. `npx tsx scripts/build-web.ts [--force]` builds it by hand.
 */
const WEB = join(REPO_ROOT, 'web');
const BUILT = join(WEB, 'dist', 'index.html');
const SOURCES = [join(WEB, 'src'), join(WEB, 'index.html'), join(WEB, 'vite.config.mts'), join(WEB, 'tsconfig.json'), join(REPO_ROOT, 'package-lock.json')];

function newestMtime(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat === undefined) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, name) => Math.max(newest, newestMtime(join(path, name))), stat.mtimeMs);
}

export function webBuildIsStale(): boolean {
  const built = statSync(BUILT, { throwIfNoEntry: false });
  return built === undefined || SOURCES.some((source) => newestMtime(source) > built.mtimeMs);
}

/** The gzipped size of the JavaScript the first load fetches (every script in dist/assets). */
export function firstLoadJsGzipBytes(): number {
  const assets = join(WEB, 'dist', 'assets');
  return readdirSync(assets)
    .filter((name) => name.endsWith('.js'))
    .reduce((total, name) => total + gzipSync(readFileSync(join(assets, name)), { level: 9 }).length, 0);
}

export async function ensureWebBuilt(log: (line: string) => void, options: { force?: boolean } = {}): Promise<void> {
  if (!options.force && !webBuildIsStale()) return;
  log('building the dashboard (vite build web)...');
  const vite = join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [vite, 'build', WEB, '--logLevel', 'warn'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true' } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`vite build failed (${code}):\n${output.trim()}`))));
  });
  log(`dashboard built: web/dist (first load ${(firstLoadJsGzipBytes() / 1024).toFixed(1)} KB of JavaScript gzipped)`);
}

if (require.main === module) {
  ensureWebBuilt((line) => console.log(`[web] ${line}`), { force: process.argv.includes('--force') }).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
