import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { temporalBinary } from '../../scripts/stack/servers/temporal';
import { loadStackSettings, REPO_ROOT } from '../../scripts/stack/settings';
import { workflowPreloadFiles } from '../../infra/temporal/workflow-preload';
import { ORDER_SEARCH_ATTRIBUTE_KEYS } from '../../workflows/order-contract';

/**
 * A Temporal test environment running the CLI dev server the stack provisioned (never a download:
 * these machines have no internet), on a random port, in memory, with the order search attributes.
 */
export function createTestWorkflowEnvironment(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalBinary(loadStackSettings()) },
      ip: '127.0.0.1',
      searchAttributes: [...ORDER_SEARCH_ATTRIBUTE_KEYS],
      // As the stack's server (scripts/stack/servers/temporal.ts): eager activity execution on.
      extraArgs: ['--dynamic-config-value', 'frontend.enableServerVersionCheck=false', '--dynamic-config-value', 'system.enableActivityEagerExecution=true'],
    },
  });
}

const bundles = new Map<string, Promise<WorkflowBundleWithSourceMap>>();

/**
 * The workflow code at `workflowsPath` (a `require.resolve`d module), bundled once per test file, as Temporal
 * recommends: jest loads this module afresh for each test file, and every Worker of the file
 * (`Worker.create({ workflowBundle })`, `Worker.runReplayHistory({ workflowBundle }, ...)`) reuses the bundle
 * instead of running webpack again, as `workflowsPath` would; with the modules the worker preloads.
 */
export function workflowBundle(workflowsPath: string): Promise<WorkflowBundleWithSourceMap> {
  let bundle = bundles.get(workflowsPath);
  if (bundle === undefined) {
    bundle = bundleWorkflowCode({ workflowsPath, preloadModules: workflowPreloadFiles(REPO_ROOT, '.ts'), logger: new DefaultLogger('WARN') });
    bundles.set(workflowsPath, bundle);
  }
  return bundle;
}

/** A dev server of the stack's build on a random port, in memory, with the given search attributes only. */
export function createLocalTemporal(options: { searchAttributes: [] }): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalBinary(loadStackSettings()) },
      ip: '127.0.0.1',
      searchAttributes: options.searchAttributes,
      // As the stack's server (scripts/stack/servers/temporal.ts): eager activity execution on.
      extraArgs: ['--dynamic-config-value', 'frontend.enableServerVersionCheck=false', '--dynamic-config-value', 'system.enableActivityEagerExecution=true'],
    },
  });
}
