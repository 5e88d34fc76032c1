import test from 'ava';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilesystemStore } from '../../storage/filesystem-store.ts';
import { BadKeyError } from '../../storage/object-store.ts';
import { openObjectStore } from '../../storage/open-store.ts';
import { storeContract } from './store-contract.ts';

async function tempDir(t: import('ava').ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'muninn-fs-store-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

storeContract(test, 'filesystem', async (t) => {
  const store = await openObjectStore({
    object_store: 'filesystem',
    filesystem: { directory: await tempDir(t) },
    aws: { bucketnames: '', region: '', s3forcepathstyle: false },
  });
  t.teardown(() => store.close());
  return store;
});

test('a put leaves no temporary file behind and writes under the directory', async (t) => {
  const dir = await tempDir(t);
  const store = new FilesystemStore(dir);
  await store.put('t/chunks/a', Buffer.from('x'));
  t.deepEqual(await readdir(join(dir, 't', 'chunks')), ['a']);
});

test('keys using the temporary-file prefix are refused', async (t) => {
  const store = new FilesystemStore(await tempDir(t));
  await t.throwsAsync(() => store.put('a/.tmp-1', Buffer.from('x')), { instanceOf: BadKeyError });
});
