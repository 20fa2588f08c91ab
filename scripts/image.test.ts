import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_VARIABLES } from '../infra/config';
import { VENUE_VARIABLES } from '../venue/config';
import { execForm, readDockerfile, type DockerStage } from './dockerfile';
import { builtOf, ENTRY_POINTS } from './entry-points';
import { REPO_ROOT } from './stack/settings';

/**
 * The Dockerfile, checked without a Docker engine: its stages, what each installs and copies, that its command is a
 * built entry point, that every variable it sets is one the processes know, and hadolint. The built entry points
 * themselves start against the real stack in test/build/built-entry-points.test.ts, from the same scripts/build.sh.
 */
jest.setTimeout(300_000);

const { stages } = readDockerfile();
const stage = (name: string): DockerStage => {
  const found = stages.find((s) => s.name === name);
  if (found === undefined) throw new Error(`no stage ${name}`);
  return found;
};
const all = (s: DockerStage, keyword: string) => s.instructions.filter((i) => i.keyword === keyword);
const runs = (s: DockerStage) => all(s, 'RUN').map((i) => i.args);
const dockerignore = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));

describe('Dockerfile', () => {
  it('is multi-stage: dependencies (npm ci), build (scripts/build.sh), production dependencies (npm ci --omit=dev), runtime', () => {
    expect(stages.map((s) => s.name)).toEqual(['deps', 'build', 'prod-deps', 'runtime']);
    expect(runs(stage('deps'))).toEqual([expect.stringMatching(/^npm ci(?!.*--omit)/)]);
    expect(stage('build').from).toBe('deps');
    expect(runs(stage('build'))).toEqual(['bash scripts/build.sh']);
    expect(runs(stage('prod-deps'))).toEqual([expect.stringMatching(/^npm ci --omit=dev\b/)]);
    // The same build as CI's: npm run build is the script the build test runs.
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string>; dependencies: Record<string, string> };
    expect(pkg.scripts.build).toBe('bash scripts/build.sh');
    expect(Object.keys(pkg.dependencies)).not.toEqual(expect.arrayContaining(['tsx']));
    expect(Object.keys(pkg.dependencies)).not.toEqual(expect.arrayContaining(['typescript']));
  });

  it('copies into the build stage every folder the build compiles, and nothing .dockerignore leaves out', () => {
    const build = JSON.parse(readFileSync(join(REPO_ROOT, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
    const copied = [...all(stage('deps'), 'COPY'), ...all(stage('build'), 'COPY')].flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(copied).toEqual(expect.arrayContaining([...build.include, 'web', 'scripts', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json']));
    for (const source of copied) {
      expect(existsSync(join(REPO_ROOT, source))).toBe(true);
      expect(dockerignore).not.toContain(source);
    }
  });

  it('keeps tests, data, caches, builds and node_modules out of the build context', () => {
    expect(dockerignore).toEqual(expect.arrayContaining(['node_modules', 'dist', 'web/dist', '.data', '.git', 'coverage', 'test', '**/*.test.ts', '**/.cache']));
  });

  it('runs compiled code with production dependencies only, as a numeric non-root user under tini', () => {
    const runtime = stage('runtime');
    const copies = all(runtime, 'COPY').map((i) => i.args);
    expect(copies).toEqual(['--from=prod-deps /app/node_modules ./node_modules', 'package.json ./', '--from=build /app/dist ./dist', '--from=build /app/web/dist ./web/dist']);
    const user = all(runtime, 'USER').at(-1)?.args ?? '';
    expect(user).toMatch(/^[1-9]\d*(:[1-9]\d*)?$/);
    expect(execForm(all(runtime, 'ENTRYPOINT')[0])).toEqual(['/usr/bin/tini', '--']);
    expect(runs(runtime).join('\n')).toMatch(/apt-get install -y --no-install-recommends tini=/);
  });

  it('starts a built entry point by default, and says how to pick each of them', () => {
    const runtime = stage('runtime');
    const cmd = execForm(all(runtime, 'CMD').at(-1));
    expect(cmd).toEqual(['node', 'dist/workers/api.js']);
    const text = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
    for (const entry of ENTRY_POINTS) expect(text).toContain(builtOf(entry).replace('dist/workers/', ''));
  });

  it('has a HEALTHCHECK on /health of the process port and OCI labels', () => {
    const runtime = stage('runtime');
    const healthcheck = all(runtime, 'HEALTHCHECK')[0]?.args ?? '';
    expect(healthcheck).toMatch(/CMD \["node", "-e", ".*HEALTHCHECK_PORT.*\/health/);
    const labels = all(runtime, 'LABEL').map((i) => i.args).join(' ');
    for (const label of ['title', 'description', 'version', 'revision', 'created', 'licenses']) expect(labels).toContain(`org.opencontainers.image.${label}=`);
  });

  it('sets only variables the processes know (or the HEALTHCHECK reads), production by default', () => {
    const env = Object.fromEntries(all(stage('runtime'), 'ENV').map((i) => i.args.split('=', 2) as [string, string]));
    expect(env).toMatchObject({ OMS_ENV: 'production', NODE_ENV: 'production' });
    for (const name of Object.keys(env)) expect([...CONFIG_VARIABLES, ...VENUE_VARIABLES, 'NODE_ENV', 'HEALTHCHECK_PORT']).toContain(name);
  });

  it('passes hadolint', () => {
    const hadolint = execFileSync('bash', [join(REPO_ROOT, 'scripts', 'ensure-image-tools.sh')], { encoding: 'utf8' }).trim();
    expect(() => execFileSync(hadolint, ['--no-color', join(REPO_ROOT, 'Dockerfile')], { encoding: 'utf8', stdio: 'pipe' })).not.toThrow();
  });
});
