import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WORKFLOW_TRACING_MODULES } from '../infra/telemetry/temporal-tracing';
import { REPO_ROOT } from './stack/settings';

/**
 * Bundles the compiled workflow code (dist/workflows) once at build time into dist/workflow-bundle.js, which the
 * compiled worker loads (`workflowBundle: { codePath }`) instead of running webpack at every start. Part of
 * scripts/build.sh, after tsc. The workflow interceptors (OpenTelemetry) are bundled in here: with a prebuilt bundle the
 * worker's `interceptors.workflowModules` are not bundled again.
 */
async function main(): Promise<void> {
  const dist = join(REPO_ROOT, 'dist');
  const { code } = await bundleWorkflowCode({
    workflowsPath: join(dist, 'workflows', 'index.js'),
    workflowInterceptorModules: [...WORKFLOW_TRACING_MODULES],
    logger: new DefaultLogger('WARN'),
  });
  const out = join(dist, 'workflow-bundle.js');
  writeFileSync(out, code);
  console.log(`[build] workflow bundle: dist/workflow-bundle.js (${(code.length / 1024).toFixed(0)} KB)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
