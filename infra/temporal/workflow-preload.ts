import { join } from 'node:path';

/**
 * Workflow modules a worker thread loads once and shares with every workflow it runs (the bundler's `preloadModules`,
 * with `reuseV8Context`, the SDK's default). Without it the SDK gives every new workflow a fresh copy of each module
 * it imports, and runs its top level again: valibot and the schemas of domain/events.ts alone cost about 1 ms of the
 * workflow thread per order. Only modules without state of a workflow's own belong here: pure functions, constants
 * and schemas (their exports are frozen when shared), none that imports @temporalio/workflow. The modules they import
 * (valibot, domain/decimal, domain/order, domain/errors) are loaded, and shared, with them.
 */
export const WORKFLOW_PRELOAD_MODULES: readonly string[] = ['domain/events', 'domain/order-snapshot', 'domain/order-state-machine', 'workflows/order-lifecycle-rules'];

/** The preloaded modules' files under `root` (the repository's sources with '.ts', dist/ with '.js'). */
export function workflowPreloadFiles(root: string, extension: '.ts' | '.js'): string[] {
  return WORKFLOW_PRELOAD_MODULES.map((module) => join(root, `${module}${extension}`));
}
