import { describe, expect, it } from 'vitest';
import { iproovUserIdAttributes, iproovUserIdsOf } from '../../functions/operator/accounts.js';
import { S3ProofStore } from '../../functions/store/proofs.js';
import type { User } from '../../functions/store/users.js';
import { stackTarget } from '../../scripts/admin-targets.js';

const OUTPUTS = {
  TransactionsTableName: 'tx',
  UsersTableName: 'users',
  SessionsTableName: 'sessions',
  IpaSessionsTableName: 'ipa',
  IproovClaimsTableName: 'claims',
  AttemptsTableName: 'attempts',
  OidcTableName: 'oidc',
  ProofBucketName: 'proofs-bucket',
  Realms: 'alpha,beta',
};

describe('the --stack target', () => {
  it('finds every table, the realms and the proof bucket in the stack outputs', async () => {
    const target = await stackTarget('Proofline-test', OUTPUTS);

    expect(target.store.tables).toEqual({
      Transactions: 'tx',
      Users: 'users',
      Sessions: 'sessions',
      IpaSessions: 'ipa',
      IproovClaims: 'claims',
      Attempts: 'attempts',
      Oidc: 'oidc',
    });
    expect(target.realms).toEqual(['alpha', 'beta']);
    expect(target.proofs).toBeInstanceOf(S3ProofStore);
    // No iProov settings in the outputs: iProov is not configured there, nothing to erase.
    expect(await target.iproov()).toBeUndefined();
    target.store.doc.destroy();
  });

  it('names the missing output of a stack deployed before the operator commands', async () => {
    const { AttemptsTableName: _gone, ...older } = OUTPUTS;

    await expect(stackTarget('Proofline-old', older)).rejects.toThrow(
      /Stack Proofline-old has no output AttemptsTableName: deploy this version/,
    );
  });
});

describe('iProov user ids of a user', () => {
  it('come from the journeys’ iProov nodes: the shipped journeys use the user id', () => {
    expect(iproovUserIdAttributes()).toEqual(['id']);
  });

  it('resolve each configured attribute on the profile, skipping absent ones', () => {
    const user = { id: 'u-1', userName: 'ada', mail: 'ada@example.com' } as User;

    expect(iproovUserIdsOf(user, ['id', 'mail', 'telephoneNumber'])).toEqual(['ada@example.com', 'u-1']);
  });
});
