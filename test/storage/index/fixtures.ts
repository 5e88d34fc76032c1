// Shared by the index tests: a real filesystem store in a temp directory and chunk references.
import type { ExecutionContext } from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Labels } from '../../../model/labels.ts';
import { FilesystemStore } from '../../../storage/filesystem-store.ts';
import type { ChunkRef } from '../../../storage/index/schema.ts';

export const DAY = 86_400_000_000_000n;
/** 2024-01-01T00:00:00Z in ns. */
export const JAN1 = 1_704_067_200_000_000_000n;

export async function tempDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'muninn-index-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export async function fsStore(t: ExecutionContext): Promise<{ dir: string; store: FilesystemStore }> {
  const dir = await tempDir(t);
  return { dir, store: new FilesystemStore(join(dir, 'store')) };
}

let n = 0;
export const ref = (tenant: string, fp: string, labels: Labels, from: bigint, through: bigint, maxSeq = 1): ChunkRef => ({
  tenant,
  fingerprint: fp.padStart(16, '0'),
  labels,
  key: `${tenant}/chunks/${fp.padStart(16, '0')}/${from.toString(16)}-${through.toString(16)}-${(n++).toString(16).padStart(8, '0')}`,
  from,
  through,
  entries: 10,
  bytes: 1000,
  maxSeq,
});
