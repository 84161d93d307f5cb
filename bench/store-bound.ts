/**
 * The store's bound: what DynamoDB (Local) alone does for a step that writes one transaction. A Login start
 * step writes its new transaction with one conditional PutItem (`attribute_not_exists(id)`); the bound is that
 * same PutItem — same item (read back from a real start step), same table, same document client the store uses
 * — with nothing else around it.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetCommand, PutCommand } from '../functions/aws/dynamodb.js';
import type { Store } from '../functions/store/dynamo.js';
import { postJson } from './http-client.js';

type Item = Record<string, unknown>;

/** The size DynamoDB bills for an item (attribute names + values, per AWS's item size rules). */
export function dynamoItemSize(item: Item): number {
  const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');
  const value = (v: unknown): number => {
    if (v === null || typeof v === 'boolean') return 1;
    if (typeof v === 'string') return utf8(v);
    if (typeof v === 'number') {
      const digits = String(Math.abs(v))
        .replace(/[.e+-]/g, '')
        .replace(/^0+/, '').length;
      return Math.ceil(digits / 2) + 1;
    }
    if (v instanceof Uint8Array) return v.byteLength;
    if (Array.isArray(v)) return 3 + v.reduce<number>((sum, e) => sum + 1 + value(e), 0);
    if (typeof v === 'object')
      return (
        3 +
        Object.entries(v as Item)
          .filter(([, e]) => e !== undefined)
          .reduce((sum, [k, e]) => sum + 1 + utf8(k) + value(e), 0)
      );
    return 0;
  };
  return Object.entries(item)
    .filter(([, v]) => v !== undefined)
    .reduce((sum, [k, v]) => sum + utf8(k) + value(v), 0);
}

/** The transaction item as a step wrote it (read back, consistently). */
export async function transactionItem(store: Store, txId: string): Promise<Item> {
  const { Item } = await store.doc.send(
    new GetCommand({ TableName: store.tables.Transactions, Key: { id: txId }, ConsistentRead: true }),
  );
  if (!Item) throw new Error(`transaction ${txId} not found`);
  return Item;
}

/**
 * One raw conditional PutItem of `item` under a fresh id, as the store writes a new transaction (its id is a
 * new one of the same length each time, so every put creates an item, as a start step does).
 */
export function rawPut(store: Store, item: Item): () => Promise<void> {
  return async () => {
    await store.doc.send(
      new PutCommand({
        TableName: store.tables.Transactions,
        Item: { ...item, id: randomBytes(16).toString('base64url') },
        ConditionExpression: 'attribute_not_exists(id)',
      }),
    );
  };
}

/**
 * The floor of a step over HTTP: a node:http server (in this process, as the runtime's) whose every request runs
 * only `put` and answers `answer` (a real start step's JSON) — HTTP and the store's one write, no journey. No
 * implementation of a step that answers over HTTP and writes one item can beat it; its ratios to the PutItem
 * line are the best the step's ratios could be on this machine. `step()` is one request to it through the bench's
 * client, as a start step is sent.
 */
export async function startFloorServer(
  put: () => Promise<void>,
  answer: string,
): Promise<{ step(): Promise<void>; close(): Promise<void> }> {
  const body = Buffer.from(answer);
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      put().then(
        () => {
          res.writeHead(200, {
            'content-type': 'application/json',
            'content-length': body.length,
            'cache-control': 'no-store',
          });
          res.end(body);
        },
        (error: unknown) => {
          res.writeHead(500).end(String(error));
        },
      );
    });
  });
  server.keepAliveTimeout = 5000; // as the runtime's server
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    step: async () => {
      const { status, text } = await postJson(`http://127.0.0.1:${port}/`);
      if (status !== 200) throw new Error(`floor: HTTP ${status} ${text}`);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
