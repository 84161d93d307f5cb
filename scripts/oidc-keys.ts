import { readFile, rename, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { type KeyMaterial, parseKeyMaterial, retireKeys, rotateKeys } from '../functions/oidc/keys.js';

/**
 * `npm run oidc-keys -- <rotate|retire|show> [--secret <arn>]`: the OpenID Provider's key rotation (docs/oidc.md).
 * `rotate` puts new signing keys (and a new cookie key) first, keeping the current ones to verify what they
 * signed; `retire`, once the longest token lifetime has passed, keeps only the newest; `show` prints the public
 * key ids and algorithms (never private material). Without `--secret`: the local `DATA_DIR/oidc-keys.json`
 * (default .data); stop and start `npm start` afterwards. With it: a new version of that Secrets Manager secret
 * (credentials and region from the environment); the functions use it from their next cold start.
 */
const USAGE = 'usage: npm run oidc-keys -- <rotate|retire|show> [--secret <arn>]';

async function main(argv: readonly string[]): Promise<void> {
  const [command, flag, arn] = argv;
  if (command !== 'rotate' && command !== 'retire' && command !== 'show') throw new Error(USAGE);
  if (flag !== undefined && (flag !== '--secret' || !arn)) throw new Error(USAGE);
  const change = (m: KeyMaterial): KeyMaterial =>
    command === 'rotate' ? rotateKeys(m) : command === 'retire' ? retireKeys(m) : m;
  // The first key of each algorithm signs; the others only verify what they signed.
  const describe = (m: KeyMaterial): string =>
    m.jwks.keys
      .map((k, i) => {
        const signs = m.jwks.keys.findIndex((other) => other.alg === k.alg) === i;
        return `${signs ? 'signing  ' : 'verifying'} ${k.alg} kid=${k.kid}`;
      })
      .join('\n');

  if (arn) {
    const client = new SecretsManagerClient({});
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    const current = parseKeyMaterial(SecretString, arn);
    if (!current)
      throw new Error(`${arn} holds no keys yet: the OIDC function makes them on its first request`);
    const next = change(current);
    if (command !== 'show') {
      await client.send(new PutSecretValueCommand({ SecretId: arn, SecretString: JSON.stringify(next) }));
    }
    process.stdout.write(`${describe(next)}\n`);
    return;
  }
  const file = resolve(process.env.DATA_DIR ?? '.data', 'oidc-keys.json');
  const current = parseKeyMaterial(await readFile(file, 'utf8').catch(() => undefined), file);
  if (!current) throw new Error(`${file} holds no keys yet: npm start makes them on the first OIDC request`);
  const next = change(current);
  if (command !== 'show') {
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(next), { mode: 0o600 });
    await rename(temporary, file);
  }
  process.stdout.write(`${describe(next)}\n`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
