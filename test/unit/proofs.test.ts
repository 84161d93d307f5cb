import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalProofStore, proofKey } from '../../functions/store/proofs.js';

describe('LocalProofStore', () => {
  const dirs: string[] = [];
  const store = async (key = randomBytes(32)) => {
    const dir = await mkdtemp(join(tmpdir(), 'proofs-test-'));
    dirs.push(dir);
    return { dir, proofs: new LocalProofStore(dir, key), key };
  };
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('keeps the archive encrypted on disk and gives it back intact', async () => {
    const { dir, proofs } = await store();
    const archive = gzipSync(Buffer.from('document front, back, selfie, report'));
    const key = proofKey('user-1', 'session-1');

    await proofs.put(key, archive);
    const [file] = await readdir(join(dir, 'proofs', 'user-1'));
    const onDisk = await readFile(join(dir, 'proofs', 'user-1', file as string));

    expect(file).toBe('session-1.tar.gz.enc');
    expect(onDisk.includes(archive.subarray(0, 8))).toBe(false);
    expect(await proofs.get(key)).toEqual(archive);
    expect(await proofs.get(proofKey('user-1', 'missing'))).toBeUndefined();
  });

  it('refuses a tampered file or the wrong key', async () => {
    const { dir, proofs } = await store();
    const key = proofKey('user-2', 'session-2');
    await proofs.put(key, Buffer.from('proof'));
    const other = new LocalProofStore(dir, randomBytes(32));

    await expect(other.get(key)).rejects.toThrow();
    expect(() => new LocalProofStore(dir, randomBytes(16))).toThrow(/32 bytes/);
  });

  it('sweeps proofs older than the retention period, and only those', async () => {
    const { dir, proofs } = await store();
    await proofs.put(proofKey('u', 'old'), Buffer.from('old'));
    await proofs.put(proofKey('u', 'new'), Buffer.from('new'));
    const hundredDaysAgo = new Date(Date.now() - 100 * 24 * 3600 * 1000);
    await utimes(join(dir, 'proofs', 'u', 'old.tar.gz.enc'), hundredDaysAgo, hundredDaysAgo);

    const deleted = await proofs.sweep(90);

    expect(deleted).toBe(1);
    expect(await readdir(join(dir, 'proofs', 'u'))).toEqual(['new.tar.gz.enc']);
  });
});
