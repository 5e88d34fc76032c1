// Feeding live tails never disturbs ingestion: a publish on a connection that has closed (a node
// stopping, NATS gone for good) is dropped for the tails, not thrown at the ingest-log reader,
// which would hand the message it just appended over again.
import test from 'ava';
import { connect } from 'nats';
import { TailPublisher } from '../../../actors/ingester/tail-publish.ts';
import { encodeIngestBatch, type IngestBatch } from '../../../bus/index.ts';
import { parseLabels } from '../../../model/labels.ts';
import { startNats } from '../../helpers/nats.ts';

test('a tail publish on a closed connection does not throw', async (t) => {
  const nats = await startNats(t);
  const nc = await connect({ servers: nats.url });
  const labels = '{app="tail"}';
  const batch: IngestBatch = {
    tenant: 'fake',
    streams: [{ fp: '0000000000000001', labels, batch: { labels: parseLabels(labels), ts: new BigInt64Array([1n]), lines: Buffer.from('x'), offsets: new Uint32Array([0, 1]) } }],
  };
  const data = encodeIngestBatch(batch);
  const tails = new TailPublisher(nc);
  t.notThrows(() => tails.publish(batch, data, batch.streams));
  await nc.close();
  // nats.js throws on a publish once its connection is closed
  t.throws(() => nc.publish('x', data));
  t.notThrows(() => tails.publish(batch, data, batch.streams));
});
