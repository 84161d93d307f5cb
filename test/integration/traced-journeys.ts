import { inject } from 'vitest';
import { systemClock } from '../../functions/contract/clock.js';
import { NODE_FAMILIES } from '../../functions/contract/families.js';
import type { JourneyContext, NodeInvocation } from '../../functions/contract/journey.js';
import type { NodeServices } from '../../functions/contract/nodes.js';
import { EmbeddedEngine } from '../../functions/engine/embedded.js';
import { JourneyService } from '../../functions/engine/journeys.js';
import { NODE_LOOKUP } from '../../functions/nodes/registry.js';
import { runNode } from '../../functions/nodes/run.js';
import { createDocumentClient, type Store, type TableNames } from '../../functions/store/dynamo.js';
import { SessionRepository } from '../../functions/store/sessions.js';
import { TransactionRepository } from '../../functions/store/transactions.js';
import { UserRepository } from '../../functions/store/users.js';

/**
 * What the tests that compare the work of two paths (lockout, no enumeration) share: the shared runtime's
 * DynamoDB Local with every command recorded, and a journey service on the real ASL and nodes with given services.
 */

/**
 * The store, each command recorded in `trace` as `<prefix><Command> <table ids>[/<index>]` (batch and transaction
 * commands name their tables in their items).
 */
export function tracedStore(trace: string[], prefix = ''): Store {
  const doc = createDocumentClient(inject('dynamodbEndpoint'));
  const tables = inject('tables') as TableNames;
  const names = Object.fromEntries(Object.entries(tables).map(([id, name]) => [name, id]));
  const counted = new Proxy(doc, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return (command: {
        constructor: { name: string };
        input: {
          TableName?: string;
          IndexName?: string;
          RequestItems?: Record<string, unknown>;
          TransactItems?: Array<Record<string, { TableName?: string }>>;
        };
      }) => {
        const { input } = command;
        const table =
          input.TableName ??
          (input.TransactItems
            ? input.TransactItems.map((item) => Object.values(item)[0]?.TableName ?? '?').join(',')
            : Object.keys(input.RequestItems ?? {}).join(','));
        const tableIds = table
          .split(',')
          .map((name) => names[name] ?? '?')
          .join(',');
        trace.push(
          `${prefix}${command.constructor.name} ${tableIds}${input.IndexName ? `/${input.IndexName}` : ''}`,
        );
        return target.send(command as never);
      };
    },
  });
  return { doc: counted, tables };
}

/** A journey service on the embedded engine (every shipped journey), its nodes run with `services`. */
export function journeysWith(store: Store, services: NodeServices): JourneyService {
  const handler = (event: NodeInvocation): Promise<JourneyContext> => runNode(event, services);
  const engine = new EmbeddedEngine(
    NODE_LOOKUP,
    Object.fromEntries(Object.values(NODE_FAMILIES).map((family) => [family.substitution, handler])),
  );
  return new JourneyService({
    clock: systemClock,
    engine,
    transactions: new TransactionRepository(store),
    sessions: new SessionRepository(store),
    users: new UserRepository(store),
    config: { transactionTtlSeconds: 900, sessionTtlSeconds: 3600, successUrl: '/' },
  });
}
