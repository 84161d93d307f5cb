import type { NodeFamily } from '../../functions/contract/nodes.js';
import type { TableId } from '../../functions/store/tables.js';
import type { Vendor } from './settings.js';

/**
 * Least privilege on the tables (ADR 13): the DynamoDB actions each function's code calls, per table — nothing
 * more. The stack turns each entry into one IAM statement on that table's ARN (and one per index queried, on
 * that index's ARN). When the code changes which calls it makes, change the entry: the cdk-out e2e target's IAM
 * report lists calls refused by these grants and grants never used.
 *
 * IAM actions are those of the calls: `TransactWriteItems` has no action of its own; each of its items needs the
 * action of its kind (`Put` → PutItem, `Update` → UpdateItem, `Delete` → DeleteItem, `ConditionCheck` →
 * ConditionCheckItem). `BatchGetItem` is its own action. `ReturnValues*` need nothing more.
 */
export type DynamoDbAction =
  | 'GetItem'
  | 'BatchGetItem'
  | 'Query'
  | 'Scan'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'BatchWriteItem'
  | 'ConditionCheckItem';

export interface TableAccess {
  /** Actions on the table's items. */
  readonly actions: readonly DynamoDbAction[];
  /** Actions on its global secondary indexes, by index name. */
  readonly indexes?: Readonly<Record<string, readonly ('Query' | 'Scan')[]>>;
}

export type TableGrants = Readonly<Partial<Record<TableId, TableAccess>>>;

/**
 * The callbacks API (`functions/api/handler.ts`): JourneyService and the sessions endpoints.
 * - Transactions: `get` GetItem, `claim` UpdateItem, `put` PutItem (new, or over a version; GetItem when a
 *   signalled event changed the count meanwhile).
 * - Sessions: `create` PutItem (a journey's success), `find` GetItem (and DeleteItem for a session a password
 *   change ended), `delete` DeleteItem (logout).
 * - Users: `get` GetItem (the user a session is issued to; `sessionsValidAfter` when a session is found).
 */
export const API_TABLE_GRANTS: TableGrants = {
  Transactions: { actions: ['GetItem', 'UpdateItem', 'PutItem'] },
  Sessions: { actions: ['GetItem', 'PutItem', 'DeleteItem'] },
  Users: { actions: ['GetItem'] },
};

/**
 * The OpenID Provider (`functions/oidc/handler.ts`, ADR 24).
 * - Oidc: its adapter — `find` GetItem, `upsert` PutItem, `consume` UpdateItem, `destroy` DeleteItem,
 *   `findByUid` Query byUid, `revokeByGrantId` Query byGrant (+ DeleteItem).
 * - Sessions: `find`/`findById` GetItem (DeleteItem for one a password change ended, or on RP-initiated logout).
 * - Users: `get` GetItem (accounts, claims; `sessionsValidAfter`).
 * - Attempts: `get` GetItem (a locked account's tokens are refused).
 */
export const OIDC_TABLE_GRANTS: TableGrants = {
  Oidc: {
    actions: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'],
    indexes: { byUid: ['Query'], byGrant: ['Query'] },
  },
  Sessions: { actions: ['GetItem', 'DeleteItem'] },
  Users: { actions: ['GetItem'] },
  Attempts: { actions: ['GetItem'] },
};

/**
 * The hosted pages (`functions/pages/handler.ts`, ADR 23): `/enduser/` reads who is signed in, read only.
 * - Sessions: `find` GetItem (a session a password change ended is left to the API to delete).
 * - Users: `get` GetItem (the summary; `sessionsValidAfter` when a session is found).
 */
export const PAGES_TABLE_GRANTS: TableGrants = {
  Sessions: { actions: ['GetItem'] },
  Users: { actions: ['GetItem'] },
};

/**
 * The webhook function (`functions/webhooks/handler.ts`): resuming a journey (JourneyService.resumeFromEvent,
 * which never issues a session: the client's next poll does, through the API), and each configured vendor's
 * notifications.
 */
export const WEBHOOK_TABLE_GRANTS: {
  readonly resume: TableGrants;
  readonly vendors: Readonly<Record<Vendor, TableGrants>>;
} = {
  // Transactions: `get` GetItem, `claim` UpdateItem, `put` PutItem; `signal` UpdateItem (ADD events).
  resume: { Transactions: { actions: ['GetItem', 'UpdateItem', 'PutItem'] } },
  vendors: {
    // IpaSessions: `get` GetItem; `recordNotification` UpdateItem, or a transaction of an Update and a Put
    // (the identity claim item).
    idemia: { IpaSessions: { actions: ['GetItem', 'UpdateItem', 'PutItem'] } },
    // IproovClaims: `get` GetItem, `markReported` UpdateItem.
    iproov: { IproovClaims: { actions: ['GetItem', 'UpdateItem'] } },
  },
};

/**
 * Lockouts and throttling on the Attempts table, as the nodes that use them call them:
 * AttemptRepository `reserve`/`countFailure` UpdateItem (DeleteItem first for an expired item), `clear`
 * UpdateItem or DeleteItem, `lock` PutItem; ThrottleRepository `check` BatchGetItem, `record`/`consume`
 * UpdateItem, `clear` DeleteItem.
 */
const LOCKOUT_AND_THROTTLE: TableAccess = {
  actions: ['BatchGetItem', 'UpdateItem', 'DeleteItem', 'PutItem'],
};

/**
 * The node functions (one per family, `functions/node-functions/<family>.ts`), by what the family's nodes call.
 * UserRepository: `get` GetItem; `findByUserName` BatchGetItem (guards) + GetItem; `isTaken` BatchGetItem;
 * `create` a transaction of Puts and (legacy realm) ConditionChecks; `incrementLoginCount`,
 * `updatePasswordHash`, `recordIdentityVerification`, `patch` UpdateItem. The Users indexes are queried by no node.
 */
export const NODE_TABLE_GRANTS: Readonly<Record<NodeFamily, TableGrants>> = {
  // Identity Store Decision, Platform Username/Attribute Collector (isTaken), Create Object, Increment Login
  // Count, Retry Limit Decision, Account Lockout; the profile decisions (get) and Patch Object (patch).
  identity: {
    Users: { actions: ['GetItem', 'BatchGetItem', 'PutItem', 'ConditionCheckItem', 'UpdateItem'] },
    Attempts: LOCKOUT_AND_THROTTLE,
  },
  // IDEMIA IPA Evaluation (users.get, recordIdentityVerification; ipaSessions get/create/recordResult; message
  // throttling: consume = BatchGetItem + UpdateItem) and Completion Decision (latestForUser: Query on byUser).
  idemia: {
    Users: { actions: ['GetItem', 'UpdateItem'] },
    IpaSessions: { actions: ['GetItem', 'PutItem', 'UpdateItem'], indexes: { byUser: ['Query'] } },
    Attempts: { actions: ['BatchGetItem', 'UpdateItem'] },
  },
  // iProov Authentication: the user an earlier node identified (get — never by name), its claims (create and
  // finish: PutItem; get), and a verified face clears the account's face failures (attempts.clear with its
  // counter: UpdateItem); in IdentityProofing, the face bound to the verified identity (recordFaceBinding:
  // UpdateItem).
  iproov: {
    Users: { actions: ['GetItem', 'UpdateItem'] },
    IproovClaims: { actions: ['GetItem', 'PutItem'] },
    Attempts: { actions: ['UpdateItem'] },
  },
};

/** Grants laid over each other: the union of the actions per table and per index. */
export function mergeGrants(...grants: readonly TableGrants[]): TableGrants {
  const merged: Partial<
    Record<TableId, { actions: Set<DynamoDbAction>; indexes: Map<string, Set<'Query' | 'Scan'>> }>
  > = {};
  for (const grant of grants) {
    for (const [id, access] of Object.entries(grant) as Array<[TableId, TableAccess]>) {
      const entry = merged[id] ?? { actions: new Set(), indexes: new Map() };
      merged[id] = entry;
      for (const action of access.actions) entry.actions.add(action);
      for (const [index, actions] of Object.entries(access.indexes ?? {})) {
        const set = entry.indexes.get(index) ?? new Set();
        for (const action of actions) set.add(action);
        entry.indexes.set(index, set);
      }
    }
  }
  return Object.fromEntries(
    Object.entries(merged).map(([id, entry]) => [
      id,
      {
        actions: [...(entry?.actions ?? [])],
        ...(entry && entry.indexes.size > 0
          ? { indexes: Object.fromEntries([...entry.indexes].map(([name, set]) => [name, [...set]])) }
          : {}),
      },
    ]),
  );
}
