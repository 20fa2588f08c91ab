import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadConfig } from '../../infra/config';
import { redisAccess, redisAccessString, REDIS_SERVICES } from '../../workers/redis-access';
import { checkov, ensureTools, run, TERRAFORM_DIR, TOOL } from './tools';

/** Root modules (terraform/envs/*) and child modules (terraform/modules/*) with HCL in them. */
function moduleDirs(): string[] {
  const dirs: string[] = [];
  for (const group of ['envs', 'modules']) {
    for (const name of readdirSync(join(TERRAFORM_DIR, group))) {
      const dir = join(TERRAFORM_DIR, group, name);
      if (statSync(dir).isDirectory() && readdirSync(dir).some((f) => f.endsWith('.tf'))) dirs.push(dir);
    }
  }
  return dirs;
}

/**
 * The offline checks of terraform/ (README "Deploy to AWS": what CI checks). `terraform init/validate/plan` need the
 * provider registry; scripts/terraform-validate.sh runs them where it is reachable.
 */
describe('terraform/ (offline checks)', () => {
  beforeAll(() => ensureTools('tflint', 'pytools'), 20 * 60_000);

  it('is formatted: terraform fmt -check -recursive', () => {
    const result = run(TOOL.terraform, ['fmt', '-check', '-recursive', '-diff'], { cwd: TERRAFORM_DIR });
    expect({ status: result.status, diff: result.stdout }).toEqual({ status: 0, diff: '' });
  });

  it('has both environments and the standard module layout (main.tf, variables.tf, outputs.tf, versions.tf)', () => {
    const dirs = moduleDirs().map((d) => relative(TERRAFORM_DIR, d));
    expect(dirs).toEqual(expect.arrayContaining(['envs/dev', 'envs/prod', 'modules/network', 'modules/eks', 'modules/msk', 'modules/redis', 'modules/documentdb', 'modules/postgres', 'modules/ecr', 'modules/stack']));
    for (const dir of moduleDirs()) {
      expect({ dir: relative(TERRAFORM_DIR, dir), files: readdirSync(dir).filter((f) => f.endsWith('.tf')) }).toEqual({
        dir: relative(TERRAFORM_DIR, dir),
        files: expect.arrayContaining(['main.tf', 'variables.tf', 'outputs.tf', 'versions.tf']),
      });
    }
  });

  it('passes tflint (bundled Terraform ruleset, every rule) in every root module, child modules included', () => {
    for (const dir of moduleDirs()) {
      const result = run(TOOL.tflint, ['--config', join(TERRAFORM_DIR, '.tflint.hcl'), '--format', 'compact', `--chdir=${dir}`]);
      expect({ dir: relative(TERRAFORM_DIR, dir), status: result.status, out: result.stdout + result.stderr }).toEqual({
        dir: relative(TERRAFORM_DIR, dir),
        status: 0,
        out: '',
      });
    }
  }, 120_000);

  it('passes checkov with zero failures outside the reviewed baseline (deploy/checkov-baseline.yaml)', () => {
    const { uncovered, unused, passed } = checkov('terraform', { dir: TERRAFORM_DIR });
    expect(uncovered).toEqual([]);
    expect(unused).toEqual([]);
    expect(passed).toBeGreaterThan(100);
  }, 300_000);

  it("gives ElastiCache's users exactly the Redis access of workers/redis-access.ts (keys, channels, commands)", () => {
    const hcl = readFileSync(join(TERRAFORM_DIR, 'modules', 'redis', 'main.tf'), 'utf8');
    const block = /access_strings = \{([\s\S]*?)\n {2}\}/.exec(hcl)?.[1] ?? '';
    const inHcl = Object.fromEntries([...block.matchAll(/"([\w-]+)"\s*=\s*"([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const access = redisAccess(loadConfig({ REDIS_KEY_PREFIX: '', MARKET_DATA_REDIS_PREFIX: 'md' }));
    expect(inHcl).toEqual(Object.fromEntries(REDIS_SERVICES.map((service) => [service, redisAccessString(access[service])])));
  });

  it('pins the provider versions in each environment', () => {
    for (const env of ['dev', 'prod']) {
      const versions = readFileSync(join(TERRAFORM_DIR, 'envs', env, 'versions.tf'), 'utf8');
      expect(versions).toMatch(/source\s+=\s+"hashicorp\/aws"\s+version\s+=\s+"\d+\.\d+\.\d+"/);
      expect(versions).toMatch(/source\s+=\s+"hashicorp\/random"\s+version\s+=\s+"\d+\.\d+\.\d+"/);
    }
  });
});
