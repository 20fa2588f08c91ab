import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context } from '@opentelemetry/api';
import { tracer } from './tracing';

/*
 * Messaging attributes of the semantic conventions (still incubating there, so named here rather than imported from
 * the package's unstable entry point, as its README advises).
 */
const MESSAGING_SYSTEM = 'messaging.system';
const MESSAGING_DESTINATION_NAME = 'messaging.destination.name';
const MESSAGING_OPERATION_TYPE = 'messaging.operation.type';
const MESSAGING_BATCH_MESSAGE_COUNT = 'messaging.batch.message_count';
const MESSAGING_CONSUMER_GROUP_NAME = 'messaging.consumer.group.name';
const MESSAGING_DESTINATION_PARTITION_ID = 'messaging.destination.partition.id';
const MESSAGING_KAFKA_OFFSET = 'messaging.kafka.offset';
const MESSAGING_KAFKA_MESSAGE_KEY = 'messaging.kafka.message.key';

/** The W3C trace headers (`traceparent`, `tracestate`) of a context; empty when it has no span or tracing is off. */
export function traceHeaders(from: Context = context.active()): Record<string, string> {
  const headers: Record<string, string> = {};
  propagation.inject(from, headers);
  return headers;
}

/**
 * Runs `publish` for messages of `topic`: inside a span (a PRODUCER span `<topic> publish`, child of the active one),
 * each message without a `traceparent` of its own gets this span's, so its consumer continues the trace. With no
 * active span (a background loop such as the venue's outbox relay) nothing is added: a message carries a context only
 * when it is part of a trace, never a new root per message.
 */
export async function tracePublish<M extends { headers?: Record<string, string> }>(
  topic: string,
  messages: readonly M[],
  publish: (messages: readonly M[]) => Promise<void>,
): Promise<void> {
  if (trace.getActiveSpan() === undefined) return publish(messages);
  const span = tracer().startSpan(`${topic} publish`, {
    kind: SpanKind.PRODUCER,
    attributes: { [MESSAGING_SYSTEM]: 'kafka', [MESSAGING_DESTINATION_NAME]: topic, [MESSAGING_OPERATION_TYPE]: 'publish', [MESSAGING_BATCH_MESSAGE_COUNT]: messages.length },
  });
  const headers = traceHeaders(trace.setSpan(context.active(), span));
  const traced = messages.map((m) => (m.headers?.traceparent !== undefined ? m : { ...m, headers: { ...m.headers, ...headers } }));
  try {
    await publish(traced);
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    span.end();
  }
}

export interface TracedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  headers: Record<string, string>;
}

/**
 * Runs `handle` for a consumed message: when the message carries a `traceparent`, inside a CONSUMER span
 * `<topic> process` that continues the producer's trace (what the handler does, such as starting or signalling a
 * workflow, joins it); a message without one is handled as is, outside any trace.
 */
export async function traceConsume<T>(message: TracedMessage, groupId: string, handle: () => Promise<T>): Promise<T> {
  if (message.headers.traceparent === undefined) return handle();
  const parent = propagation.extract(ROOT_CONTEXT, message.headers);
  if (trace.getSpanContext(parent) === undefined) return handle();
  const span = tracer().startSpan(
    `${message.topic} process`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        [MESSAGING_SYSTEM]: 'kafka',
        [MESSAGING_DESTINATION_NAME]: message.topic,
        [MESSAGING_OPERATION_TYPE]: 'process',
        [MESSAGING_CONSUMER_GROUP_NAME]: groupId,
        [MESSAGING_DESTINATION_PARTITION_ID]: String(message.partition),
        [MESSAGING_KAFKA_OFFSET]: Number(message.offset),
        ...(message.key === null ? {} : { [MESSAGING_KAFKA_MESSAGE_KEY]: message.key }),
      },
    },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), handle);
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    span.end();
  }
}
