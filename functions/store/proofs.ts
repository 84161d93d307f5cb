import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '../aws/s3.js';
import type { ProofStore } from '../contract/data.js';
import { ConfigurationError } from '../shared/errors.js';

export type { ProofStore };

/**
 * Erasing proofs (operator commands, ADR 12): one by its key, or every proof kept for a user. Idempotent: a proof
 * already gone is not an error. Needs no decryption key, only the proofs' location.
 */
export interface ProofEraser {
  /** Deletes the proofs with these keys; returns how many existed. */
  delete(keys: readonly string[]): Promise<number>;
  /** Deletes every proof under `userProofPrefix(userId)`; returns how many existed. */
  deleteForUser(userId: string): Promise<number>;
}

import { userProofPrefix } from '../contract/keys.js';

export { proofKey, userProofPrefix } from '../contract/keys.js';

export interface S3ProofStoreOptions {
  /**
   * ARN of the stack's own KMS key (`PROOF_KMS_KEY_ARN`): every proof is written encrypted with it, by name —
   * the bucket's policy refuses any other key (or none), so the AWS-managed `aws/s3` key is never used. Needed
   * to `put`; erasing needs no key.
   */
  kmsKeyArn?: string;
  s3?: S3Client;
}

export class S3ProofStore implements ProofStore, ProofEraser {
  private readonly s3: S3Client;
  private readonly kmsKeyArn: string | undefined;

  constructor(
    private readonly bucket: string,
    options: S3ProofStoreOptions = {},
  ) {
    this.s3 = options.s3 ?? new S3Client({});
    this.kmsKeyArn = options.kmsKeyArn;
  }

  async put(key: string, archive: Uint8Array): Promise<void> {
    if (!this.kmsKeyArn)
      throw new ConfigurationError('PROOF_KMS_KEY_ARN is required to store proofs in PROOF_BUCKET');
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: archive,
        ContentType: 'application/gzip',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: this.kmsKeyArn,
      }),
    );
  }

  /** The bucket is not versioned: a deleted object is gone (the lifecycle rule would have removed it later). */
  async delete(keys: readonly string[]): Promise<number> {
    let deleted = 0;
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      // DeleteObjects answers success for keys that do not exist: count only those that did.
      const existing = [];
      for (const key of batch) {
        const { KeyCount } = await this.s3.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: key, MaxKeys: 1 }),
        );
        if ((KeyCount ?? 0) > 0) existing.push(key);
      }
      if (existing.length === 0) continue;
      await this.deleteObjects(existing);
      deleted += existing.length;
    }
    return deleted;
  }

  async deleteForUser(userId: string): Promise<number> {
    let deleted = 0;
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: userProofPrefix(userId),
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : []));
      if (keys.length > 0) await this.deleteObjects(keys);
      deleted += keys.length;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return deleted;
  }

  private async deleteObjects(keys: readonly string[]): Promise<void> {
    const { Errors } = await this.s3.send(
      new DeleteObjectsCommand({
        Bucket: this.bucket,
        Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
      }),
    );
    const failed = Errors?.[0];
    if (failed)
      throw new Error(`S3 refused to delete a proof (${failed.Code ?? 'error'}: ${failed.Message ?? ''})`);
  }
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * A local folder of encrypted proofs (the embedded runtime): each file is `iv | tag | AES-256-GCM(archive)`,
 * under a 32-byte key kept outside the folder's files (the runtime keeps it in `proof.key`, mode 0600, or takes
 * `PROOF_ENCRYPTION_KEY`). `sweep` deletes files older than the retention period.
 */
export class LocalProofStore implements ProofStore, ProofEraser {
  private readonly files: LocalProofFiles;

  constructor(
    private readonly dir: string,
    private readonly key: Buffer,
  ) {
    if (key.length !== 32) throw new Error('The proof encryption key must be 32 bytes');
    this.files = new LocalProofFiles(dir);
  }

  private path(key: string): string {
    return localProofPath(this.dir, key);
  }

  delete(keys: readonly string[]): Promise<number> {
    return this.files.delete(keys);
  }

  deleteForUser(userId: string): Promise<number> {
    return this.files.deleteForUser(userId);
  }

  async put(key: string, archive: Uint8Array): Promise<void> {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(archive), cipher.final()]);
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, Buffer.concat([iv, cipher.getAuthTag(), body]), { mode: 0o600 });
  }

  /** Decrypts a stored proof (operators, tests); undefined when there is none. */
  async get(key: string): Promise<Buffer | undefined> {
    let file: Buffer;
    try {
      file = await readFile(this.path(key));
    } catch {
      return undefined;
    }
    const decipher = createDecipheriv('aes-256-gcm', this.key, file.subarray(0, IV_BYTES));
    decipher.setAuthTag(file.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(file.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
  }

  /** Deletes proofs stored more than `retentionDays` ago; returns how many. */
  async sweep(retentionDays: number, now = Date.now()): Promise<number> {
    const cutoff = now - retentionDays * 24 * 3600 * 1000;
    let deleted = 0;
    const visit = async (dir: string): Promise<void> => {
      let entries: Array<{ name: string; isDirectory(): boolean }>;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await visit(path);
        else if (entry.name.endsWith('.enc') && (await stat(path)).mtimeMs < cutoff) {
          await rm(path, { force: true });
          deleted++;
        }
      }
    };
    await visit(this.dir);
    return deleted;
  }
}

/** The file of a proof in a local proof folder (no `..` can climb out of it). */
const localProofPath = (dir: string, key: string): string =>
  `${join(dir, ...key.split('/').map((part) => part.replaceAll('..', '_')))}.enc`;

/** The files of a local proof folder, without their key: enough to erase them (the operator CLI). */
export class LocalProofFiles implements ProofEraser {
  constructor(private readonly dir: string) {}

  async delete(keys: readonly string[]): Promise<number> {
    let deleted = 0;
    for (const key of keys) {
      const path = localProofPath(this.dir, key);
      if (await exists(path)) {
        await rm(path, { force: true });
        deleted++;
      }
    }
    return deleted;
  }

  async deleteForUser(userId: string): Promise<number> {
    const folder = dirname(localProofPath(this.dir, `${userProofPrefix(userId)}x`));
    let files: string[];
    try {
      files = (await readdir(folder, { recursive: true })).filter((f) => f.endsWith('.enc'));
    } catch {
      return 0;
    }
    await rm(folder, { recursive: true, force: true });
    return files.length;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
