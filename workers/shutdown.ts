import type { Logger } from '../infra/logger';
import { shutdownTracing } from '../infra/telemetry/tracing';

/**
 * Runs `stop` once on SIGINT/SIGTERM, then exits. A second signal while stopping forces the exit,
 * so an operator is never stuck behind a hung drain. The spans still buffered are sent last (bounded), so the
 * trace of what the drain did is not lost.
 */
export function onShutdownSignal(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'shutdown.forced');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutdown.begin');
    stop()
      .finally(() => shutdownTracing())
      .then(
        () => {
          logger.info('shutdown.done');
          process.exit(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown.failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
}
