import { isSpanContextValid, trace } from '@opentelemetry/api';
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/** The one structured logger of a process, created at start-up and passed down. Writes to stdout unless told. */
export function createLogger(options: { name: string; level: string }, destination?: DestinationStream): Logger {
  const settings = { name: options.name, level: options.level, base: { service: options.name }, mixin: traceFields };
  return destination === undefined ? pino(settings) : pino(settings, destination);
}

/** A line written while a span is active carries its ids, to find the trace of a log line and the lines of a trace. */
function traceFields(): { trace_id?: string; span_id?: string } {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (spanContext === undefined || !isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}
