import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../scripts/stack/settings';

const STAMP = join(REPO_ROOT, 'dist', '.built-by-test-run');

/**
 * Runs `npm run build` (scripts/build.sh, what the image's build stage runs) once per test run: the first test file
 * that needs dist/ builds it and stamps it with the run's id (its KAFKA_PREFIX); later files of the run reuse it.
 */
export async function ensureBuiltForThisRun(): Promise<void> {
  const runId = process.env.KAFKA_PREFIX ?? '';
  if (runId === '') throw new Error('ensureBuiltForThisRun needs the test run (integration project)');
  if (existsSync(STAMP) && readFileSync(STAMP, 'utf8') === runId) return;
  await new Promise<void>((resolve, reject) => {
    const child = spawn('bash', [join(REPO_ROOT, 'scripts', 'build.sh')], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`npm run build failed (${code}):\n${output.slice(-4000)}`))));
  });
  writeFileSync(STAMP, runId);
}
