import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
// The protobuf types the OTLP exporters themselves encode with (a dependency of @opentelemetry/exporter-trace-otlp-*).
import otlpRoot from '@opentelemetry/otlp-transformer/build/src/generated/root';

/** A span as an OTLP receiver got it, flattened: ids as lowercase hex. */
export interface ReceivedSpan {
  serviceName: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  attributes: Record<string, unknown>;
}

export interface OtlpReceiver {
  /** The base URL to give as OTEL_EXPORTER_OTLP_ENDPOINT (the exporters post to <it>/v1/traces). */
  readonly endpoint: string;
  readonly spans: ReceivedSpan[];
  /** Every request that reached the receiver, with its path and content type. */
  readonly requests: Array<{ path: string; contentType: string }>;
  close(): Promise<void>;
}

interface AnyValue {
  stringValue?: string;
  intValue?: number | string | { toString(): string };
  boolValue?: boolean;
  doubleValue?: number;
}
interface ResourceSpans {
  resource?: { attributes?: Array<{ key: string; value?: AnyValue }> };
  scopeSpans?: Array<{ spans?: Array<{ traceId: unknown; spanId: unknown; parentSpanId?: unknown; name: string; kind?: number; attributes?: Array<{ key: string; value?: AnyValue }> }> }>;
}

/**
 * A minimal OTLP/HTTP trace receiver in the test process: POST /v1/traces with http/json or http/protobuf bodies,
 * answered 200 with an empty ExportTraceServiceResponse. What a real collector does with them is not the point; that
 * the processes send the spans of one trace, is.
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const requests: Array<{ path: string; contentType: string }> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const contentType = String(req.headers['content-type'] ?? '');
      requests.push({ path: req.url ?? '', contentType });
      const body = Buffer.concat(chunks);
      try {
        const resourceSpans: ResourceSpans[] = contentType.includes('json')
          ? (JSON.parse(body.toString('utf8')) as { resourceSpans?: ResourceSpans[] }).resourceSpans ?? []
          : decodeProtobuf(body);
        for (const rs of resourceSpans) spans.push(...flatten(rs));
        res.writeHead(200, { 'Content-Type': contentType.includes('json') ? 'application/json' : 'application/x-protobuf' });
        res.end(contentType.includes('json') ? '{}' : '');
      } catch (error) {
        res.writeHead(400).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The generated root is typed as a bare protobufjs Root; its static classes are there at run time. */
const ExportTraceServiceRequest = (otlpRoot as unknown as {
  opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: { decode(body: Uint8Array): { resourceSpans: unknown } } } } } } };
}).opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

function decodeProtobuf(body: Buffer): ResourceSpans[] {
  return ExportTraceServiceRequest.decode(body).resourceSpans as ResourceSpans[];
}

function flatten(rs: ResourceSpans): ReceivedSpan[] {
  const resource = attributes(rs.resource?.attributes);
  const name = resource['service.name'];
  const serviceName = typeof name === 'string' ? name : '';
  return (rs.scopeSpans ?? []).flatMap((scope) =>
    (scope.spans ?? []).map((span) => ({
      serviceName,
      traceId: hex(span.traceId),
      spanId: hex(span.spanId),
      parentSpanId: hex(span.parentSpanId),
      name: span.name,
      kind: span.kind ?? 0,
      attributes: attributes(span.attributes),
    })),
  );
}

function attributes(list: Array<{ key: string; value?: AnyValue }> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of list ?? []) {
    out[key] = value?.stringValue ?? (value?.intValue !== undefined ? Number(value.intValue.toString()) : undefined) ?? value?.boolValue ?? value?.doubleValue;
  }
  return out;
}

/** JSON carries ids as hex strings; protobuf as bytes. */
function hex(id: unknown): string {
  if (id === undefined || id === null) return '';
  if (typeof id === 'string') return id.toLowerCase();
  return Buffer.from(id as Uint8Array).toString('hex');
}
