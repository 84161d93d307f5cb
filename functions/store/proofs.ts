import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

/**
 * Where IDEMIA proof archives are kept (issue 3: encrypted, with a retention period). In the cloud an S3 bucket
 * (KMS-encrypted, TLS only, no public access, expired by a lifecycle rule); locally a folder of AES-256-GCM
 * encrypted files, swept by age. Only the object key is recorded on the IPA session.
 */
export interface ProofStore {
  put(key: string, archive: Uint8Array): Promise<void>;
}

/** Object keys: `proofs/<userId>/<sessionId>.tar.gz`, both ids Proofline's or IDEMIA's (no PII). */
export const proofKey = (userId: string, sessionId: string): string =>
  `proofs/${encodeURIComponent(userId)}/${encodeURIComponent(sessionId)}.tar.gz`;

export class S3ProofStore implements ProofStore {
  constructor(
    private readonly bucket: string,
    private readonly s3: S3Client = new S3Client({}),
  ) {}

  async put(key: string, archive: Uint8Array): Promise<void> {
    // The bucket's default encryption (its KMS key) applies; asking for it explicitly makes a misconfigured
    // bucket refuse the object instead of storing it unencrypted.
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: archive,
        ContentType: 'application/gzip',
        ServerSideEncryption: 'aws:kms',
      }),
    );
  }
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * A local folder of encrypted proofs (the embedded runtime): each file is `iv | tag | AES-256-GCM(archive)`,
 * under a 32-byte key kept outside the folder's files (the runtime keeps it in `proof.key`, mode 0600, or takes
 * `PROOF_ENCRYPTION_KEY`). `sweep` deletes files older than the retention period.
 */
export class LocalProofStore implements ProofStore {
  constructor(
    private readonly dir: string,
    private readonly key: Buffer,
  ) {
    if (key.length !== 32) throw new Error('The proof encryption key must be 32 bytes');
  }

  private path(key: string): string {
    return `${join(this.dir, ...key.split('/').map((part) => part.replaceAll('..', '_')))}.enc`;
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
