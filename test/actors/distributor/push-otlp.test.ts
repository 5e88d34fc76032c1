// OTLP/HTTP log exports, built as the OpenTelemetry Collector's otlphttp exporter builds them
// (no otelcol binary here: protobuf from the OTLP .proto, gzip; or OTLP JSON), map to streams as
// Loki 3 maps them, and are read back by LogQL with their labels and structured metadata.
import { gzipSync } from 'node:zlib';
import test from 'ava';
import protobuf from 'protobufjs';
import { decodeOtlp } from '../../../actors/distributor/push-otlp.ts';
import { HttpError } from '../../../actors/http-error.ts';
import { streamsOf } from '../../helpers/entries.ts';
import { startNats } from '../../helpers/nats.ts';
import { startTestNode } from '../../helpers/node.ts';
import { queryRange } from '../../helpers/loki.ts';

// The messages of opentelemetry/proto/{common,resource,logs}/v1 and collector/logs/v1 a log export
// uses, as the OTLP repository writes them (snake_case, its field numbers), for the test to encode with.
const OTLP_PROTO = `
syntax = "proto3";
package opentelemetry.proto;
message AnyValue {
  oneof value {
    string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4;
    ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message LogRecord {
  fixed64 time_unix_nano = 1; fixed64 observed_time_unix_nano = 11; int32 severity_number = 2; string severity_text = 3;
  AnyValue body = 5; repeated KeyValue attributes = 6; uint32 dropped_attributes_count = 7; fixed32 flags = 8;
  bytes trace_id = 9; bytes span_id = 10; string event_name = 12;
}
message ScopeLogs { InstrumentationScope scope = 1; repeated LogRecord log_records = 2; string schema_url = 3; }
message ResourceLogs { Resource resource = 1; repeated ScopeLogs scope_logs = 2; string schema_url = 3; }
message ExportLogsServiceRequest { repeated ResourceLogs resource_logs = 1; }
`;
const Export = protobuf.parse(OTLP_PROTO, { keepCase: true }).root.lookupType('opentelemetry.proto.ExportLogsServiceRequest');

const MAX = 1 << 20;
const T0 = BigInt(Date.now() - 60_000) * 1_000_000n;
const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';

const str = (v: string) => ({ string_value: v });
const kv = (key: string, value: object) => ({ key, value });

/** One export: a checkout service on Kubernetes with two records in one scope, and a resource with no service.name. */
function exportObject() {
  return {
    resource_logs: [
      {
        resource: {
          attributes: [
            kv('service.name', str('checkout')),
            kv('k8s.namespace.name', str('shop')),
            kv('host.name', str('node-1')),
            kv('process.pid', { int_value: 4242 }),
          ],
        },
        scope_logs: [
          {
            scope: { name: 'io.opentelemetry.http', version: '1.2.0' },
            log_records: [
              {
                time_unix_nano: String(T0 + 2n),
                observed_time_unix_nano: String(T0 + 5n),
                severity_number: 17,
                severity_text: 'ERROR',
                body: str('payment failed'),
                attributes: [kv('http.status_code', { int_value: 502 }), kv('user', { kvlist_value: { values: [kv('id', str('u1'))] } })],
                trace_id: Buffer.from(TRACE, 'hex'),
                span_id: Buffer.from(SPAN, 'hex'),
              },
              // no time: the observed time is the entry's; a severity number alone gives the level
              { observed_time_unix_nano: String(T0 + 1n), severity_number: 10, body: str('cart loaded') },
            ],
          },
        ],
      },
      {
        resource: { attributes: [kv('k8s.container.name', str('worker'))] },
        scope_logs: [{ log_records: [{ time_unix_nano: String(T0 + 3n), body: { kvlist_value: { values: [kv('msg', str('hi')), kv('n', { int_value: 2 })] } } }] }],
      },
    ],
  };
}

const protobufBody = () => Buffer.from(Export.encode(Export.fromObject(exportObject())).finish());

/** The same export in OTLP's JSON encoding (lowerCamelCase, 64-bit integers as strings, ids as hex), as otlphttp with encoding: json sends it. */
function jsonBody(): Buffer {
  const camel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  const walk = (v: unknown): unknown => {
    if (Buffer.isBuffer(v)) return v.toString('hex');
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [camel(k), k === 'int_value' ? String(x) : walk(x)]));
    return v;
  };
  return Buffer.from(JSON.stringify(walk(exportObject())));
}

const wanted = [
  {
    labels: '{k8s_namespace_name="shop", service_name="checkout"}',
    entries: [
      {
        ts: T0 + 2n,
        line: 'payment failed',
        metadata: [
          ['detected_level', 'error'],
          ['host_name', 'node-1'],
          ['http_status_code', '502'],
          ['observed_timestamp', String(T0 + 5n)],
          ['process_pid', '4242'],
          ['scope_name', 'io.opentelemetry.http'],
          ['scope_version', '1.2.0'],
          ['severity_number', '17'],
          ['severity_text', 'ERROR'],
          ['span_id', SPAN],
          ['trace_id', TRACE],
          ['user_id', 'u1'],
        ],
      },
      {
        ts: T0 + 1n,
        line: 'cart loaded',
        metadata: [
          ['detected_level', 'info'],
          ['host_name', 'node-1'],
          ['process_pid', '4242'],
          ['scope_name', 'io.opentelemetry.http'],
          ['scope_version', '1.2.0'],
          ['severity_number', '10'],
        ],
      },
    ],
  },
  {
    labels: '{k8s_container_name="worker", service_name="worker"}',
    entries: [{ ts: T0 + 3n, line: '{"msg":"hi","n":2}', metadata: [['detected_level', 'unknown']] }],
  },
];

test('an OTLP protobuf export maps to streams as Loki 3 maps it: indexed resource attributes as labels, the rest as structured metadata', async (t) => {
  t.deepEqual(streamsOf(await decodeOtlp(protobufBody(), 'application/x-protobuf', undefined, MAX)), wanted);
});

test('the same export gzipped, or in OTLP JSON, maps to the same streams', async (t) => {
  t.deepEqual(streamsOf(await decodeOtlp(gzipSync(protobufBody()), 'application/x-protobuf', 'gzip', MAX)), wanted);
  t.deepEqual(streamsOf(await decodeOtlp(jsonBody(), 'application/json', undefined, MAX)), wanted);
  t.deepEqual(streamsOf(await decodeOtlp(gzipSync(jsonBody()), 'application/json; charset=utf-8', 'gzip', MAX)), wanted);
});

const badOtlp: Array<[string, Buffer, string | undefined, string | undefined, RegExp]> = [
  ['an unsupported content type', protobufBody(), 'text/plain', undefined, /^content type: text\/plain is not supported$/],
  ['an unsupported encoding', protobufBody(), 'application/x-protobuf', 'br', /^unsupported content encoding br: only gzip is supported$/],
  ['bytes that are not protobuf', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]), 'application/x-protobuf', undefined, /^malformed OTLP logs request: /],
  ['JSON that does not parse', Buffer.from('{"resourceLogs": ['), 'application/json', undefined, /^malformed OTLP logs request: /],
];

for (const [what, body, type, encoding, message] of badOtlp)
  test(`an OTLP export with ${what} is refused with 400 naming it`, async (t) => {
    const err = await t.throwsAsync(decodeOtlp(body, type, encoding, MAX), { instanceOf: HttpError });
    t.is(err?.status, 400);
    t.regex(err?.message ?? '', message);
  });

test('OTLP exports pushed over HTTP, protobuf and JSON, are answered 204 and read back by LogQL with their labels and structured metadata', async (t) => {
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url);
  const post = (body: Buffer, type: string, tenant: string) =>
    fetch(`${url}/otlp/v1/logs`, { method: 'POST', headers: { 'Content-Type': type, 'Content-Encoding': 'gzip', 'X-Scope-OrgID': tenant }, body: gzipSync(body) });
  t.is((await post(protobufBody(), 'application/x-protobuf', 'pb')).status, 204);
  t.is((await post(jsonBody(), 'application/json', 'js')).status, 204);
  const range = { start: String(T0 - 1000n), end: String(T0 + 1000n) };
  for (const tenant of ['pb', 'js']) {
    const checkout = await queryRange(url, { ...range, query: '{service_name="checkout"} | detected_level="error"' }, tenant);
    t.deepEqual(checkout.result.map((s) => [s.stream, s.values]), [
      [
        {
          service_name: 'checkout',
          k8s_namespace_name: 'shop',
          detected_level: 'error',
          host_name: 'node-1',
          http_status_code: '502',
          observed_timestamp: String(T0 + 5n),
          process_pid: '4242',
          scope_name: 'io.opentelemetry.http',
          scope_version: '1.2.0',
          severity_number: '17',
          severity_text: 'ERROR',
          span_id: SPAN,
          trace_id: TRACE,
          user_id: 'u1',
        },
        [[String(T0 + 2n), 'payment failed']],
      ],
    ]);
    const worker = await queryRange(url, { ...range, query: '{service_name="worker"} | json | n="2"' }, tenant);
    t.deepEqual(worker.result.map((s) => s.values.map(([, l]) => l)), [['{"msg":"hi","n":2}']]);
    const labels = await (await fetch(`${url}/loki/api/v1/labels?start=${range.start}&end=${range.end}`, { headers: { 'X-Scope-OrgID': tenant } })).json();
    t.deepEqual((labels as { data: string[] }).data, ['k8s_container_name', 'k8s_namespace_name', 'service_name']);
  }
});
