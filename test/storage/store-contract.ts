// What every object store must do, run by each backend's test against a real backend.
import type { ExecutionContext, TestFn } from 'ava';
import { BadKeyError, ObjectNotFoundError, type ObjectStore } from '../../storage/object-store.ts';

export type OpenStore = (t: ExecutionContext) => Promise<ObjectStore>;

export function storeContract(test: TestFn, backend: string, open: OpenStore): void {
  test(`${backend}: an object put is got back whole and in ranges`, async (t) => {
    const store = await open(t);
    const data = Buffer.from('0123456789abcdef');
    await store.put('tenant-a/chunks/x', data);
    t.deepEqual(await store.get('tenant-a/chunks/x'), data);
    t.deepEqual(await store.getRange('tenant-a/chunks/x', 4, 3), Buffer.from('456'));
    t.deepEqual(await store.getRange('tenant-a/chunks/x', 10, 100), Buffer.from('abcdef'), 'a range past the end is cut short');
    t.deepEqual(await store.getRange('tenant-a/chunks/x', 100, 5), Buffer.alloc(0));
    await store.put('tenant-a/chunks/x', Buffer.from('new'));
    t.deepEqual(await store.get('tenant-a/chunks/x'), Buffer.from('new'), 'a second put replaces the object');
    await store.put('empty', Buffer.alloc(0));
    t.deepEqual(await store.get('empty'), Buffer.alloc(0));
  });

  test(`${backend}: list returns every key under a prefix, recursively and sorted`, async (t) => {
    const store = await open(t);
    for (const k of ['index/a/2024-01-02/w1-0000.db', 'index/a/2024-01-01/w2-0000.db', 'index/a/2024-01-01/w1-0000.db', 'index/ab/x', 'other'])
      await store.put(k, Buffer.from(k));
    const listed = await store.list('index/a/');
    t.deepEqual(listed.map((o) => o.key), ['index/a/2024-01-01/w1-0000.db', 'index/a/2024-01-01/w2-0000.db', 'index/a/2024-01-02/w1-0000.db']);
    t.is(listed[0].size, 'index/a/2024-01-01/w1-0000.db'.length);
    t.true(listed[0].modified instanceof Date);
    t.deepEqual((await store.list('index/a')).map((o) => o.key).slice(-1), ['index/ab/x'], 'a prefix need not end at a slash');
    t.is((await store.list('')).length, 5);
    t.deepEqual(await store.list('nothing/here/'), []);
  });

  test(`${backend}: a list with a limit stops after that many keys`, async (t) => {
    const store = await open(t);
    const keys = ['a/1', 'a/2', 'b/c/3', 'b/c/4', 'd'];
    for (const k of keys) await store.put(k, Buffer.from(k));
    const some = (await store.list('', { limit: 3 })).map((o) => o.key);
    t.is(some.length, 3);
    t.true(some.every((k) => keys.includes(k)));
    t.deepEqual(some, [...some].sort(), 'what is listed is still sorted');
    t.deepEqual((await store.list('', { limit: 10 })).map((o) => o.key), keys);
  });

  test(`${backend}: an object's etag changes when it is rewritten`, async (t) => {
    const store = await open(t);
    await store.put('k/v', Buffer.from('one'));
    const [before] = await store.list('k/');
    await store.put('k/v', Buffer.from('two!'));
    const [after] = await store.list('k/');
    t.not(before.etag, after.etag);
    t.is(after.size, 4);
  });

  test(`${backend}: absent objects are ObjectNotFoundError and deleting them is not an error`, async (t) => {
    const store = await open(t);
    await t.throwsAsync(() => store.get('no/such/key'), { instanceOf: ObjectNotFoundError, message: /no\/such\/key/ });
    await t.throwsAsync(() => store.getRange('no/such/key', 0, 10), { instanceOf: ObjectNotFoundError });
    await store.put('gone/soon', Buffer.from('x'));
    await store.delete('gone/soon');
    await store.delete('gone/soon');
    await t.throwsAsync(() => store.get('gone/soon'), { instanceOf: ObjectNotFoundError });
    t.deepEqual(await store.list('gone/'), []);
  });

  test(`${backend}: keys that could leave their prefix are refused`, async (t) => {
    const store = await open(t);
    for (const key of ['../etc/passwd', '/abs', 'a//b', 'a/../b', 'a/./b', 'a/', '', 'a/b\0c', '..'])
      await t.throwsAsync(() => store.put(key, Buffer.from('x')), { instanceOf: BadKeyError }, JSON.stringify(key));
    await t.throwsAsync(() => store.get('a/../../b'), { instanceOf: BadKeyError });
    await t.throwsAsync(() => store.delete('../x'), { instanceOf: BadKeyError });
    await t.throwsAsync(() => store.list('../'), { instanceOf: BadKeyError });
    await t.throwsAsync(() => store.list('/'), { instanceOf: BadKeyError });
  });
}
