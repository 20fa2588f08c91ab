import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WORKFLOW_BUNDLE_FILES, WORKFLOW_TRACING_MODULES } from '../infra/telemetry/temporal-tracing';
import { workflowPreloadFiles } from '../infra/temporal/workflow-preload';
import { REPO_ROOT } from './stack/settings';

/**
 * Bundles the compiled workflow code (dist/workflows) once at build time, which the compiled worker loads
 * (`workflowBundle: { codePath }`) instead of running webpack at every start. Part of scripts/build.sh, after tsc.
 * Two bundles: dist/workflow-bundle.js with the workflow interceptors (OpenTelemetry) for a worker that traces (with a
 * prebuilt bundle the worker's `interceptors.workflowModules` are not bundled again), and
 * dist/workflow-bundle-untraced.js without them for one that does not (their spans would be dropped, at a sixth of
 * the workflow thread's CPU). Either replays every history: the interceptors add no commands. Both preload the pure
 * modules every workflow shares (infra/temporal/workflow-preload.ts).
 */
async function main(): Promise<void> {
  const dist = join(REPO_ROOT, 'dist');
  for (const [file, modules] of [
    [WORKFLOW_BUNDLE_FILES.traced, WORKFLOW_TRACING_MODULES],
    [WORKFLOW_BUNDLE_FILES.untraced, []],
  ] as const) {
    const { code } = await bundleWorkflowCode({
      workflowsPath: join(dist, 'workflows', 'index.js'),
      workflowInterceptorModules: [...modules],
      preloadModules: workflowPreloadFiles(dist, '.js'),
      logger: new DefaultLogger('WARN'),
    });
    writeFileSync(join(dist, file), code);
    console.log(`[build] workflow bundle: dist/${file} (${(code.length / 1024).toFixed(0)} KB)`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
