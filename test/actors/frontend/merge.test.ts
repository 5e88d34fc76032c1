// The frontend merges the answers of sub-queries over disjoint times into one, under the limit.
import test from 'ava';
import { mergeMatrix, mergeStreams } from '../../../actors/frontend/merge.ts';

const a = { app: 'a' };
const b = { app: 'b' };

test('the limit keeps the newest entries across sub-queries and streams, streams ordered by labels', (t) => {
  const newer = [{ stream: b, values: [['40', 'b4'], ['30', 'b3']] as Array<[string, string]> }];
  const older = [
    { stream: b, values: [['20', 'b2']] as Array<[string, string]> },
    { stream: a, values: [['25', 'a25'], ['10', 'a1']] as Array<[string, string]> },
  ];
  t.deepEqual(mergeStreams([newer, older], 'backward', 3), [
    { stream: a, values: [['25', 'a25']] },
    { stream: b, values: [['40', 'b4'], ['30', 'b3']] },
  ]);
  t.deepEqual(mergeStreams([older, newer], 'forward', 2), [
    { stream: a, values: [['10', 'a1']] },
    { stream: b, values: [['20', 'b2']] },
  ]);
});

test('equal entries of one stream stay, in their querier\'s order; at one time the limit goes to the first labels', (t) => {
  const part = [
    { stream: b, values: [['5', 'same'], ['5', 'same'], ['5', 'other']] as Array<[string, string]> },
    { stream: a, values: [['5', 'x']] as Array<[string, string]> },
  ];
  t.deepEqual(mergeStreams([part], 'backward', 3), [
    { stream: a, values: [['5', 'x']] },
    { stream: b, values: [['5', 'same'], ['5', 'same']] },
  ]);
});

test('matrix series of time pieces are joined in time order, and points of one series at one time from shards are added up', (t) => {
  const piece1 = [{ metric: { level: 'info' }, values: [[60, '2'], [120, '3']] as Array<[number, string]> }];
  const piece2 = [{ metric: { level: 'info' }, values: [[180, '1']] as Array<[number, string]> }];
  const shard2 = [
    { metric: { level: 'info' }, values: [[120, '0.5'], [180, '4']] as Array<[number, string]> },
    { metric: { level: 'error' }, values: [[60, '1']] as Array<[number, string]> },
  ];
  t.deepEqual(mergeMatrix([piece2, piece1, shard2]), [
    { metric: { level: 'error' }, values: [[60, '1']] },
    { metric: { level: 'info' }, values: [[60, '2'], [120, '3.5'], [180, '5']] },
  ]);
  t.deepEqual(mergeMatrix([[{ metric: {}, values: [[1, '+Inf']] }], [{ metric: {}, values: [[1, '2']] }]]), [{ metric: {}, values: [[1, '+Inf']] }]);
});
