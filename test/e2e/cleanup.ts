import { afterAll } from 'vitest';
import { createdUsers, target } from './client.js';

/**
 * After each e2e file on a deployed stack (`E2E_STACK`): the users it registered are erased with everything tied
 * to them, by the operator's own erasure (`eraseUser`, ADR 12) on that stack's tables, proof bucket and iProov
 * enrolments — with the caller's AWS credentials, which need the operator's permissions (README, Operator
 * commands). The local target's data is discarded with its in-memory database.
 */
afterAll(async () => {
  if (!target.stack || !target.baseUrl || createdUsers.size === 0) return;
  const { stackTarget } = await import('../../scripts/admin-targets.js');
  const { eraseUser, UserNotFoundError } = await import('../../functions/operator/accounts.js');
  const where = await stackTarget(target.stack);
  const iproov = await where.iproov();
  const failed: string[] = [];
  for (const userName of createdUsers) {
    try {
      await eraseUser(
        {
          store: where.store,
          ...(where.proofs ? { proofs: where.proofs } : {}),
          ...(iproov ? { iproov } : {}),
        },
        { realm: target.realm, userName },
      );
    } catch (error) {
      // A registration that failed left no user: nothing to erase.
      if (!(error instanceof UserNotFoundError)) failed.push(`${userName}: ${String(error)}`);
    }
  }
  createdUsers.clear();
  if (failed.length > 0)
    throw new Error(`Could not erase e2e users from ${target.stack}:\n${failed.join('\n')}`);
});
