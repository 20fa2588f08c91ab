import { isSpanContextValid, trace } from '@opentelemetry/api';
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * The one structured logger of a process, created at start-up and passed down. Writes to stdout unless told.
 * `asyncWrites`: the lines go to stdout without waiting, those logged while a write is under way in one write (the
 * order API logs a line per order: a write system call each cost a few percent of its CPU under load). Whatever is
 * still buffered is written when the process exits (pino flushes on exit); only a SIGKILL can lose the last lines.
 */
export function createLogger(options: { name: string; level: string; asyncWrites?: boolean }, destination?: DestinationStream): Logger {
  const settings = { name: options.name, level: options.level, base: { service: options.name }, mixin: traceFields };
  if (destination !== undefined) return pino(settings, destination);
  return options.asyncWrites === true ? pino(settings, pino.destination({ dest: 1, sync: false })) : pino(settings);
}

/** A line written while a span is active carries its ids, to find the trace of a log line and the lines of a trace. */
function traceFields(): { trace_id?: string; span_id?: string } {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (spanContext === undefined || !isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}
