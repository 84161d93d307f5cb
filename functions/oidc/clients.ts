import * as v from 'valibot';
import { ConfigurationError } from '../shared/errors.js';

/**
 * One OAuth 2.0 client of a realm: its metadata as in OpenID Connect Dynamic Client Registration (validated again,
 * fully, by oidc-provider), the realm it belongs to, and Proofline's own members:
 * - `proofline_journey`: the journey the hosted pages run when the client sends someone to sign in (default
 *   the realm's default journey);
 * - `proofline_verified_claims`: whether `verified_claims` (OpenID Connect for Identity Assurance) may be
 *   released to it (default false).
 */
export interface OidcClientConfig {
  realm: string;
  client_id: string;
  redirect_uris: string[];
  [metadata: string]: unknown;
}

const NAME = /^[A-Za-z0-9_.:-]{1,128}$/;

const clientSchema = v.looseObject({
  realm: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]+$/, 'realm must be a realm name')),
  client_id: v.pipe(v.string(), v.regex(NAME, 'client_id must be 1-128 letters, digits or _.:-')),
  redirect_uris: v.pipe(
    v.array(v.pipe(v.string(), v.url('redirect_uris must be absolute URLs'))),
    v.minLength(1),
  ),
  proofline_journey: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]+$/))),
  proofline_verified_claims: v.optional(v.boolean()),
});

/**
 * Parses `OIDC_CLIENTS` (a JSON array of client metadata, each with its `realm`) into clients; throws a
 * ConfigurationError naming what is wrong. Client ids are unique per realm.
 */
export function parseOidcClients(text: string | undefined, realms: readonly string[]): OidcClientConfig[] {
  if (!text || text.trim() === '') return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigurationError('OIDC_CLIENTS must be a JSON array of client metadata');
  }
  const parsed = v.safeParse(v.array(clientSchema), value);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = issue?.path?.map((p) => p.key).join('.') ?? '';
    throw new ConfigurationError(`OIDC_CLIENTS${path ? ` [${path}]` : ''}: ${issue?.message ?? 'invalid'}`);
  }
  const seen = new Set<string>();
  for (const client of parsed.output) {
    if (client.realm !== 'root' && !realms.includes(client.realm)) {
      throw new ConfigurationError(
        `OIDC_CLIENTS: client ${client.client_id} names realm ${client.realm}, which is not served (REALMS)`,
      );
    }
    const key = `${client.realm}/${client.client_id}`;
    if (seen.has(key)) throw new ConfigurationError(`OIDC_CLIENTS: client ${key} is defined twice`);
    seen.add(key);
  }
  return parsed.output as OidcClientConfig[];
}
