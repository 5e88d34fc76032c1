// OTLP/HTTP logs (POST /otlp/v1/logs), protobuf or JSON, maybe gzip, mapped to Loki streams as
// Loki 3 maps them: the resource attributes Loki indexes by default become stream labels (with
// service_name always set), every other attribute and record field becomes structured metadata,
// the record's severity becomes detected_level, and its body the line.
import protobuf from 'protobufjs';
import { formatLabels, sortLabels } from '../../model/labels.ts';
import { httpErrors } from '../http-error.ts';
import { decodeContent } from './push-body.ts';
import { pushStreamOf, type PushEntry, type PushStream } from './push-stream.ts';

// ---- the schema: the part of opentelemetry/proto/collector/logs/v1 a log export uses ----
// Field numbers are the OTLP protocol's (wire facts). Names are the JSON encoding's lowerCamelCase,
// so one schema reads both encodings.

const { Root, Type, Field, OneOf } = protobuf;
const root = new Root().define('muninn.otlp');
root.add(
  new Type('AnyValue')
    .add(new Field('stringValue', 1, 'string'))
    .add(new Field('boolValue', 2, 'bool'))
    .add(new Field('intValue', 3, 'int64'))
    .add(new Field('doubleValue', 4, 'double'))
    .add(new Field('arrayValue', 5, 'ArrayValue'))
    .add(new Field('kvlistValue', 6, 'KeyValueList'))
    .add(new Field('bytesValue', 7, 'bytes'))
    .add(new OneOf('value', ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'])),
);
root.add(new Type('ArrayValue').add(new Field('values', 1, 'AnyValue', 'repeated')));
root.add(new Type('KeyValueList').add(new Field('values', 1, 'KeyValue', 'repeated')));
root.add(new Type('KeyValue').add(new Field('key', 1, 'string')).add(new Field('value', 2, 'AnyValue')));
root.add(new Type('Resource').add(new Field('attributes', 1, 'KeyValue', 'repeated')).add(new Field('droppedAttributesCount', 2, 'uint32')));
root.add(
  new Type('InstrumentationScope')
    .add(new Field('name', 1, 'string'))
    .add(new Field('version', 2, 'string'))
    .add(new Field('attributes', 3, 'KeyValue', 'repeated'))
    .add(new Field('droppedAttributesCount', 4, 'uint32')),
);
root.add(
  new Type('LogRecord')
    .add(new Field('timeUnixNano', 1, 'fixed64'))
    .add(new Field('severityNumber', 2, 'int32')) // an enum on the wire is a varint
    .add(new Field('severityText', 3, 'string'))
    .add(new Field('body', 5, 'AnyValue'))
    .add(new Field('attributes', 6, 'KeyValue', 'repeated'))
    .add(new Field('droppedAttributesCount', 7, 'uint32'))
    .add(new Field('flags', 8, 'fixed32'))
    .add(new Field('traceId', 9, 'bytes'))
    .add(new Field('spanId', 10, 'bytes'))
    .add(new Field('observedTimeUnixNano', 11, 'fixed64')),
);
root.add(new Type('ScopeLogs').add(new Field('scope', 1, 'InstrumentationScope')).add(new Field('logRecords', 2, 'LogRecord', 'repeated')));
root.add(new Type('ResourceLogs').add(new Field('resource', 1, 'Resource')).add(new Field('scopeLogs', 2, 'ScopeLogs', 'repeated')));
root.add(new Type('ExportLogsServiceRequest').add(new Field('resourceLogs', 1, 'ResourceLogs', 'repeated')));
/** The request a collector's otlphttp exporter sends; tests build bodies with it as clients do. */
export const ExportLogsServiceRequest = root.lookupType('ExportLogsServiceRequest');

// ---- the request as plain objects: toObject with these options gives the same from both encodings ----

interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
  bytesValue?: Buffer;
}
interface KeyValue {
  key?: string;
  value?: AnyValue;
}
interface LogRecord {
  timeUnixNano?: string;
  observedTimeUnixNano?: string;
  severityNumber?: number;
  severityText?: string;
  body?: AnyValue;
  attributes?: KeyValue[];
  droppedAttributesCount?: number;
  flags?: number;
  traceId?: Buffer;
  spanId?: Buffer;
}
interface Request {
  resourceLogs?: Array<{
    resource?: { attributes?: KeyValue[] };
    scopeLogs?: Array<{ scope?: { name?: string; version?: string; attributes?: KeyValue[]; droppedAttributesCount?: number }; logRecords?: LogRecord[] }>;
  }>;
}

const AS_OBJECT: protobuf.IConversionOptions = { longs: String, bytes: Buffer, defaults: false };

/** An OTLP logs request body (after Content-Encoding) as the streams it maps to; 400 when it does not decode. */
export async function decodeOtlp(body: Buffer, contentType: string | undefined, contentEncoding: string | undefined, maxBytes: number, now = new Date()): Promise<PushStream[]> {
  const encoding = (contentEncoding ?? '').trim().toLowerCase();
  if (encoding !== '' && encoding !== 'gzip') throw httpErrors.badRequest(`unsupported content encoding ${encoding}: only gzip is supported`);
  const raw = await decodeContent(body, encoding, maxBytes);
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  let req: Request;
  try {
    if (type === 'application/x-protobuf') req = ExportLogsServiceRequest.toObject(ExportLogsServiceRequest.decode(raw), AS_OBJECT) as Request;
    else if (type === 'application/json') req = ExportLogsServiceRequest.toObject(ExportLogsServiceRequest.fromObject(jsonIds(JSON.parse(raw.toString('utf8'))) as Record<string, unknown>), AS_OBJECT) as Request;
    else throw httpErrors.badRequest(`content type: ${contentType ?? ''} is not supported`);
  } catch (err) {
    if (err instanceof Error && err.name === 'HttpError') throw err;
    throw httpErrors.badRequest(`malformed OTLP logs request: ${(err as Error).message}`, err);
  }
  return streamsOf(req, BigInt(now.getTime()) * 1_000_000n);
}

/** OTLP's JSON writes trace and span ids as hex where protobuf's JSON mapping wants base64. */
function jsonIds(doc: unknown): unknown {
  for (const rl of (doc as Request)?.resourceLogs ?? [])
    for (const sl of rl?.scopeLogs ?? [])
      for (const lr of (sl?.logRecords ?? []) as Array<Record<string, unknown>>)
        for (const k of ['traceId', 'spanId'])
          if (typeof lr[k] === 'string') lr[k] = Buffer.from(lr[k] as string, 'hex').toString('base64');
  return doc;
}

// ---- the mapping ----

/** Loki 3's default `default_resource_attributes_as_index_labels`. */
const INDEXED = new Set([
  'service.name',
  'service.namespace',
  'service.instance.id',
  'deployment.environment',
  'deployment.environment.name',
  'cloud.region',
  'cloud.availability_zone',
  'k8s.cluster.name',
  'k8s.namespace.name',
  'k8s.pod.name',
  'k8s.container.name',
  'container.name',
  'k8s.replicaset.name',
  'k8s.deployment.name',
  'k8s.statefulset.name',
  'k8s.daemonset.name',
  'k8s.cronjob.name',
  'k8s.job.name',
]);

/** Loki 3's default `discover_service_name`: indexed labels that name the service when service.name is missing. */
const SERVICE_NAME_FROM = ['service', 'app', 'application', 'app_name', 'name', 'app_kubernetes_io_name', 'container', 'container_name', 'k8s_container_name', 'component', 'workload', 'job', 'k8s_job_name'];

type Pairs = Array<[string, string]>;

function streamsOf(req: Request, nowNs: bigint): PushStream[] {
  const byLabels = new Map<string, PushEntry[]>();
  for (const rl of req.resourceLogs ?? []) {
    const labels = new Map<string, string>();
    const resourceMeta: Pairs = [];
    for (const kv of rl.resource?.attributes ?? []) {
      const pairs = attributePairs(kv.key ?? '', kv.value, '');
      if (INDEXED.has(kv.key ?? '')) for (const [n, v] of pairs) labels.set(n, v);
      else resourceMeta.push(...pairs);
    }
    if (!labels.get('service_name')) {
      const from = [...labels].find(([n]) => SERVICE_NAME_FROM.includes(n));
      labels.set('service_name', from ? from[1] : 'unknown_service');
    }
    const text = formatLabels(sortLabels([...labels]));
    let entries = byLabels.get(text);
    if (!entries) byLabels.set(text, (entries = []));
    for (const sl of rl.scopeLogs ?? []) {
      const scopeMeta: Pairs = [];
      for (const kv of sl.scope?.attributes ?? []) scopeMeta.push(...attributePairs(kv.key ?? '', kv.value, ''));
      if (sl.scope?.name) scopeMeta.push(['scope_name', sl.scope.name]);
      if (sl.scope?.version) scopeMeta.push(['scope_version', sl.scope.version]);
      if (sl.scope?.droppedAttributesCount) scopeMeta.push(['scope_dropped_attributes_count', String(sl.scope.droppedAttributesCount)]);
      for (const lr of sl.logRecords ?? []) entries.push(entryOf(lr, labels, [...resourceMeta, ...scopeMeta], nowNs));
    }
  }
  return [...byLabels].map(([text, entries]) => pushStreamOf(text, entries));
}

/** A record as Loki's otlpLogToPushEntry makes it, with the level its distributor detects. */
function entryOf(lr: LogRecord, labels: Map<string, string>, inherited: Pairs, nowNs: bigint): PushEntry {
  const time = BigInt(lr.timeUnixNano ?? 0);
  const observed = BigInt(lr.observedTimeUnixNano ?? 0);
  const meta: Pairs = [];
  for (const kv of lr.attributes ?? []) meta.push(...attributePairs(kv.key ?? '', kv.value, ''));
  // with no time the observed time is the entry's, so it is not kept twice
  if (time !== 0n && observed !== 0n) meta.push(['observed_timestamp', String(observed)]);
  if (lr.severityNumber) meta.push(['severity_number', String(lr.severityNumber)]);
  if (lr.severityText) meta.push(['severity_text', lr.severityText]);
  if (lr.droppedAttributesCount) meta.push(['dropped_attributes_count', String(lr.droppedAttributesCount)]);
  if (lr.flags) meta.push(['flags', String(lr.flags)]);
  if (lr.traceId?.length && lr.traceId.some((b) => b !== 0)) meta.push(['trace_id', lr.traceId.toString('hex')]);
  if (lr.spanId?.length && lr.spanId.some((b) => b !== 0)) meta.push(['span_id', lr.spanId.toString('hex')]);
  meta.push(...inherited);
  if (!meta.some(([n]) => n === 'detected_level')) meta.push(['detected_level', levelOf(labels, meta, lr.severityNumber ?? 0)]);
  return { ts: time !== 0n ? time : observed !== 0n ? observed : nowNs, line: lr.body ? valueText(lr.body) : '', metadata: meta };
}

/** Loki 3's DefaultAllowedLevelFields: a label or metadata of one of these names gives the level, in this order. */
const LEVEL_FIELDS = ['level', 'LEVEL', 'Level', 'log.level', 'severity', 'SEVERITY', 'Severity', 'SeverityText', 'lvl', 'LVL', 'Lvl', 'severity_text', 'Severity_Text', 'SEVERITY_TEXT'];

/**
 * As Loki 3's distributor: a level label, else a level in structured metadata (severity_text is
 * one), else the OTLP severity number's range. Loki then looks for a level word in the line;
 * Muninn does not, and says `unknown`.
 */
function levelOf(labels: Map<string, string>, meta: Pairs, severity: number): string {
  for (const f of LEVEL_FIELDS) if (labels.has(f)) return normalLevel(labels.get(f)!);
  for (const f of LEVEL_FIELDS) {
    const m = meta.find(([n]) => n === f);
    if (m) return normalLevel(m[1]);
  }
  if (severity <= 0) return 'unknown';
  // the OTLP data model: 1-4 TRACE, 5-8 DEBUG, 9-12 INFO, 13-16 WARN, 17-20 ERROR, 21-24 FATAL
  return ['trace', 'debug', 'info', 'warn', 'error', 'fatal'][Math.floor((severity - 1) / 4)] ?? 'unknown';
}

const LEVEL_WORDS: Record<string, string> = {
  trace: 'trace', trc: 'trace', debug: 'debug', dbg: 'debug', info: 'info', inf: 'info', information: 'info',
  warn: 'warn', wrn: 'warn', warning: 'warn', error: 'error', err: 'error', critical: 'critical', fatal: 'fatal',
};

/** Loki's normalizeLogLevel: known words (any case) to their short name, anything else as it is. */
const normalLevel = (v: string): string => LEVEL_WORDS[v.toLowerCase()] ?? v;

/** An attribute as name/value pairs: a map's keys flattened with `_` under its name, as Loki does. */
function attributePairs(key: string, v: AnyValue | undefined, prefix: string): Pairs {
  const name = labelName(prefix ? `${prefix}_${key}` : key);
  if (v?.kvlistValue) return (v.kvlistValue.values ?? []).flatMap((kv) => attributePairs(kv.key ?? '', kv.value, name));
  return [[name, v ? valueText(v) : '']];
}

/** The Prometheus label name OTLP translators make of an attribute key. */
function labelName(key: string): string {
  const n = key.replace(/[^a-zA-Z0-9_]/g, '_');
  if (/^[0-9]/.test(n)) return `key_${n}`;
  if (n.startsWith('_') && !n.startsWith('__')) return `key${n}`;
  return n;
}

/** pcommon's Value.AsString: strings as they are, bytes as base64, arrays and maps as JSON. */
function valueText(v: AnyValue): string {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return String(v.boolValue);
  if (v.intValue !== undefined) return v.intValue;
  if (v.doubleValue !== undefined) return String(v.doubleValue);
  if (v.bytesValue !== undefined) return v.bytesValue.toString('base64');
  if (v.arrayValue !== undefined || v.kvlistValue !== undefined) return JSON.stringify(plain(v));
  return '';
}

function plain(v: AnyValue): unknown {
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(plain);
  if (v.kvlistValue) return Object.fromEntries((v.kvlistValue.values ?? []).map((kv) => [kv.key ?? '', kv.value ? plain(kv.value) : null]));
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  return valueText(v);
}
