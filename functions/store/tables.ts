/**
 * The DynamoDB tables, defined once: the CDK stack and the embedded runtime both build their tables from
 * these definitions, so the two can never drift apart.
 */
export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N';
}

export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
}

export interface TableDefinition {
  /** Construct id in CDK and the suffix of the local table name. */
  readonly id: 'Transactions' | 'Users' | 'Sessions' | 'IpaSessions' | 'IproovClaims' | 'Attempts' | 'Oidc';
  /** Environment variable that carries the physical table name to the Lambda handlers. */
  readonly envVar:
    | 'TRANSACTIONS_TABLE'
    | 'USERS_TABLE'
    | 'SESSIONS_TABLE'
    | 'IPA_SESSIONS_TABLE'
    | 'IPROOV_CLAIMS_TABLE'
    | 'ATTEMPTS_TABLE'
    | 'OIDC_TABLE';
  readonly partitionKey: KeyAttribute;
  readonly globalSecondaryIndexes: readonly IndexDefinition[];
  /** Attribute holding the expiry as epoch seconds; DynamoDB TTL is enabled on it. */
  readonly timeToLiveAttribute?: string;
}

export const TABLES = [
  {
    id: 'Transactions',
    envVar: 'TRANSACTIONS_TABLE',
    partitionKey: { name: 'id', type: 'S' },
    globalSecondaryIndexes: [],
    timeToLiveAttribute: 'expiresAt',
  },
  {
    // Holds user items (id = user id) and uniqueness guard items (id = "userName#<lower>" / "mail#<lower>").
    id: 'Users',
    envVar: 'USERS_TABLE',
    partitionKey: { name: 'id', type: 'S' },
    globalSecondaryIndexes: [
      { indexName: 'byUserName', partitionKey: { name: 'userNameKey', type: 'S' } },
      { indexName: 'byMail', partitionKey: { name: 'mailKey', type: 'S' } },
    ],
  },
  {
    // id = SHA-256 of the session token: the token itself is never stored.
    id: 'Sessions',
    envVar: 'SESSIONS_TABLE',
    partitionKey: { name: 'id', type: 'S' },
    globalSecondaryIndexes: [],
    timeToLiveAttribute: 'expiresAt',
  },
  {
    // One item per IDEMIA IPA session (id = IDEMIA's sessionId); byUser finds a user's latest session.
    id: 'IpaSessions',
    envVar: 'IPA_SESSIONS_TABLE',
    partitionKey: { name: 'id', type: 'S' },
    globalSecondaryIndexes: [
      {
        indexName: 'byUser',
        partitionKey: { name: 'userId', type: 'S' },
        sortKey: { name: 'createdAt', type: 'S' },
      },
    ],
    timeToLiveAttribute: 'expiresAt',
  },
  {
    // One item per iProov claim a journey waits on (id = SHA-256 of its results-webhook key), deleted once the
    // result is returned (seed 002's retention); TTL removes abandoned ones.
    id: 'IproovClaims',
    envVar: 'IPROOV_CLAIMS_TABLE',
    partitionKey: { name: 'id', type: 'S' },
    globalSecondaryIndexes: [],
    timeToLiveAttribute: 'expiresAt',
  },
  {
    // Failed-credential counters and lockouts, one item per (realm, normalized username) whether or not such a
    // user exists (so the lockout tells nobody who has an account); TTL forgets old failures. See ADR 10.
    id: 'Attempts',
    envVar: 'ATTEMPTS_TABLE',
    partitionKey: { name: 'id', type: 'S' },
    globalSecondaryIndexes: [],
    timeToLiveAttribute: 'expiresAt',
  },
  {
    // The OpenID Provider's state (ADR 24): one item per oidc-provider model instance (id = "<Model>:<id>":
    // sessions, interactions, grants, codes, tokens), byUid finds a session by its uid and byGrant the tokens of
    // a grant (revocation); TTL removes what has expired.
    id: 'Oidc',
    envVar: 'OIDC_TABLE',
    partitionKey: { name: 'id', type: 'S' },
    globalSecondaryIndexes: [
      { indexName: 'byUid', partitionKey: { name: 'uid', type: 'S' } },
      { indexName: 'byGrant', partitionKey: { name: 'grantId', type: 'S' } },
    ],
    timeToLiveAttribute: 'expiresAt',
  },
] as const satisfies readonly TableDefinition[];

export type TableId = (typeof TABLES)[number]['id'];
