import { inject } from 'vitest';
import { createDocumentClient, type Store, type TableNames } from '../../functions/store/dynamo.js';

/** The store the integration suite's global setup made: DynamoDB Local and its tables. */
export function testStore(): Store {
  return {
    doc: createDocumentClient(inject('dynamodbEndpoint')),
    tables: inject('tables') as TableNames,
  };
}
