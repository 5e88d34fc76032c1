// A small Loki HTTP client for tests: push JSON, run queries, read metrics, wait for things.
export interface PushOptions {
  tenant?: string;
  headers?: Record<string, string>;
}

export async function pushJson(url: string, body: unknown, opts: PushOptions = {}): Promise<Response> {
  return fetch(`${url}/loki/api/v1/push`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(opts.tenant ? { 'X-Scope-OrgID': opts.tenant } : {}), ...opts.headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** One stream's entries as [ns string, line]. */
export const streamBody = (labels: Record<string, string>, values: Array<[string, string]>) => ({ streams: [{ stream: labels, values }] });

export async function get(url: string, path: string, params: Record<string, string> = {}, tenant?: string): Promise<Response> {
  const qs = new URLSearchParams(params).toString();
  return fetch(`${url}${path}${qs ? `?${qs}` : ''}`, { headers: tenant ? { 'X-Scope-OrgID': tenant } : {} });
}

export interface StreamsData {
  resultType: string;
  result: Array<{ stream: Record<string, string>; values: Array<[string, string]> }>;
  stats: unknown;
  /** Loki's response warnings (top level in the response), when there were any. */
  warnings?: string[];
}

export async function queryRange(url: string, params: Record<string, string>, tenant?: string): Promise<StreamsData> {
  const res = await get(url, '/loki/api/v1/query_range', params, tenant);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`query_range ${res.status}: ${text}`);
  const body = JSON.parse(text) as { status: string; data: StreamsData; warnings?: string[] };
  return body.warnings ? { ...body.data, warnings: body.warnings } : body.data;
}

/** All entries of a streams result as `ts line` strings, in the order returned. */
export const flatten = (d: StreamsData) => d.result.flatMap((s) => s.values.map(([ts, line]) => `${ts} ${line}`));

export async function metricValue(url: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_:]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const l = m[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`))) sum += Number(m[3]);
  }
  return sum;
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
