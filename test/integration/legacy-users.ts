import { randomUUID } from 'node:crypto';
import { PutCommand } from '../../functions/aws/dynamodb.js';
import type { UserProfile } from '../../functions/contract/data.js';
import type { Store } from '../../functions/store/dynamo.js';

/**
 * Writes a user as the store kept them before realms were isolated (ADR 11): a guard item
 * `userName#<lower-cased name>` and a user item without `realm`. Returns the user id. `profile`: more attributes
 * of the user item (e.g. `completeProfile()`, so that Login's ProgressiveProfile asks nothing).
 */
export async function writeLegacyUser(
  store: Store,
  userName: string,
  passwordHash: string,
  profile: Partial<UserProfile> = {},
): Promise<string> {
  const id = randomUUID();
  const now = new Date().toISOString();
  const key = userName.trim().toLowerCase();
  await store.doc.send(
    new PutCommand({
      TableName: store.tables.Users,
      Item: { id: `userName#${key}`, userId: id, createdAt: Math.floor(Date.now() / 1000) },
    }),
  );
  await store.doc.send(
    new PutCommand({
      TableName: store.tables.Users,
      Item: {
        ...profile,
        id,
        userName,
        userNameKey: key,
        passwordHash,
        accountStatus: 'active',
        loginCount: 0,
        createdAt: now,
        updatedAt: now,
      },
    }),
  );
  return id;
}
