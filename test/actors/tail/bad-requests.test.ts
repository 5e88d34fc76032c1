// Loki's answers to bad tail requests: 400 before the upgrade, 1011 with the reason after it; tail_max_duration.
import test from 'ava';
import { startNats } from '../../helpers/nats.ts';
import { startTestNode } from '../../helpers/node.ts';
import { ONE_THREAD, refusedTail, tailClient } from '../../helpers/tail.ts';

test("bad parameters are answered 400 before the upgrade, and a bad or metric query closes the socket with 1011 and Loki's text", async (t) => {
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url, { ...ONE_THREAD, 'querier.tail_max_duration': '1s' });
  const q = '{app="x"}';
  t.deepEqual(await refusedTail(t, url, { query: q, delay_for: '9' }), { status: 400, body: "delay_for can't be greater than 5\n" });
  t.deepEqual(await refusedTail(t, url, { query: q, limit: '0' }), { status: 400, body: 'limit must be a positive value\n' });
  t.deepEqual(await refusedTail(t, url, { query: q, start: 'abc' }), { status: 400, body: 'could not parse \'start\' parameter: strconv.ParseInt: parsing "abc": invalid syntax\n' });
  t.deepEqual(await refusedTail(t, url, { query: q, limit: '5001' }), { status: 400, body: 'max entries limit per query exceeded, limit > max_entries_limit (5001 > 5000)\n' });
  t.deepEqual(await refusedTail(t, url, { query: q }, 'bad.tenant'), { status: 400, body: "tenant ID 'bad.tenant' contains unsupported characters or is too long\n" });

  const metric = await tailClient(t, url, { query: 'sum(rate({app="x"}[1m]))' });
  t.deepEqual(await metric.closed, { code: 1011, reason: 'only log selector is supported' });
  const syntax = await tailClient(t, url, { query: '{app="x"' });
  t.deepEqual(await syntax.closed, { code: 1011, reason: 'parse error at line 1, col 9: syntax error: unexpected $end, expecting } or ,' });

  // not a WebSocket request: refused as Loki's websocket library refuses it
  const plain = await fetch(`${url}/loki/api/v1/tail?query=${encodeURIComponent(q)}`);
  t.is(plain.status, 400);
  t.is(await plain.text(), 'Bad Request\n');

  // querier.tail_max_duration ends a tail, as Loki's tail_max_duration
  const long = await tailClient(t, url, { query: q });
  t.deepEqual(await long.closed, { code: 1011, reason: 'reached tail max duration limit' });
});
