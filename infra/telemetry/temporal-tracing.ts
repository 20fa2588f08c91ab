import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/worker';
import type { ClientInterceptors } from '@temporalio/client';
import type { WorkerOptions } from '@temporalio/worker';
import type { Tracing } from './tracing';

/*
 * Temporal's OpenTelemetry interceptors (@temporalio/interceptors-opentelemetry), wired the way its README and
 * OpenTelemetryPlugin do, without the experimental plugin API. The package's subpaths are imported so that the order
 * API, which only needs the client side, loads neither the worker nor the workflow runtime.
 */

/**
 * The workflow-side interceptors, bundled into the workflow code (`interceptors.workflowModules`): a span for the
 * workflow run, each signal, query and update, and each activity it schedules, whose context travels to the activity
 * in its Temporal headers. They add no commands to a history, so recorded histories replay unchanged
 * (workflows/order-lifecycle.integration.test.ts replays them with these modules bundled).
 */
export const WORKFLOW_TRACING_MODULES: readonly string[] = [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')];

/** The prebuilt workflow bundles in dist/ (scripts/build-workflow-bundle.ts): with the workflow interceptors, and without. */
export const WORKFLOW_BUNDLE_FILES = { traced: 'workflow-bundle.js', untraced: 'workflow-bundle-untraced.js' } as const;

/**
 * For every Temporal client: starting, signalling, querying or cancelling a workflow is a span, and its context
 * goes to the workflow in the call's Temporal headers (not a `traceparent`: Temporal has headers of its own).
 */
export function workflowClientTracing(): ClientInterceptors {
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor()] };
}

/**
 * The worker's part: the workflow interceptor modules, a span around each activity execution continuing the
 * workflow's trace (and the trace ids on the activity context's log attributes), and the `exporter` sink through
 * which the sandboxed workflow hands its finished spans to this process's span processor.
 *
 * With tracing off there are no interceptors: every span would be dropped, yet the workflow-side ones cost a sixth of
 * the workflow thread's CPU (their module is set up for every workflow, and a span wraps every activation and every
 * activity it schedules). The sink stays, so a bundle built with the interceptors (traced, see workflowBundleFile) still
 * runs against a worker that drops its spans.
 */
export function workerTracing(tracing: Tracing): Required<Pick<WorkerOptions, 'interceptors' | 'sinks'>> {
  const sinks = { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) };
  if (!tracing.enabled) return { interceptors: {}, sinks };
  return {
    interceptors: {
      workflowModules: [...WORKFLOW_TRACING_MODULES],
      activity: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
    },
    sinks,
  };
}
