import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { type IndexDefinition, TABLES, type TableId } from '../../../functions/store/tables.js';
import type { TableGrants } from '../grants.js';
import { ResourceGroup } from './common.js';

export interface TablesProps {
  /**
   * What happens to the tables other than Users when the stack is deleted (users are always retained).
   * @default RemovalPolicy.DESTROY
   */
  readonly ephemeralTablesRemovalPolicy?: RemovalPolicy;
}

/** One DynamoDB table per definition of `TABLES` (the same definitions the embedded runtime uses). */
export class Tables extends ResourceGroup {
  readonly tables: Readonly<Record<TableId, TableV2>>;
  /** Every table's name under its environment variable (`TRANSACTIONS_TABLE`, …): what every function gets. */
  readonly environment: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: TablesProps = {}) {
    super(scope, id);
    this.tables = Object.fromEntries(
      TABLES.map((definition) => {
        const table = new TableV2(this, `${definition.id}Table`, {
          partitionKey: { name: definition.partitionKey.name, type: AttributeType.STRING },
          billing: Billing.onDemand(),
          pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
          encryption: TableEncryptionV2.awsManagedKey(),
          deletionProtection: definition.id === 'Users',
          removalPolicy:
            definition.id === 'Users'
              ? RemovalPolicy.RETAIN
              : (props.ephemeralTablesRemovalPolicy ?? RemovalPolicy.DESTROY),
          ...('timeToLiveAttribute' in definition
            ? { timeToLiveAttribute: definition.timeToLiveAttribute }
            : {}),
          globalSecondaryIndexes: (definition.globalSecondaryIndexes as readonly IndexDefinition[]).map(
            (index) => ({
              indexName: index.indexName,
              partitionKey: { name: index.partitionKey.name, type: AttributeType.STRING },
              ...(index.sortKey ? { sortKey: { name: index.sortKey.name, type: AttributeType.STRING } } : {}),
            }),
          ),
        });
        return [definition.id, table];
      }),
    ) as Record<TableId, TableV2>;
    this.environment = Object.fromEntries(TABLES.map((t) => [t.envVar, this.tables[t.id].tableName]));
  }

  /**
   * The table grants of one function (`grants.ts`): one statement per table with exactly the actions its code
   * calls, on the table's ARN, and one per index it queries, on that index's ARN (no wildcards).
   */
  grant(fn: IFunction, grants: TableGrants): void {
    for (const [id, access] of Object.entries(grants) as Array<
      [TableId, NonNullable<TableGrants[TableId]>]
    >) {
      const table = this.tables[id];
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: access.actions.map((action) => `dynamodb:${action}`),
          resources: [table.tableArn],
        }),
      );
      for (const [index, actions] of Object.entries(access.indexes ?? {})) {
        const definition = TABLES.find((t) => t.id === id);
        const known = (definition?.globalSecondaryIndexes ?? []) as readonly IndexDefinition[];
        if (!known.some((i) => i.indexName === index))
          throw new Error(`grants.ts names index ${index}, which table ${id} does not have`);
        fn.addToRolePolicy(
          new PolicyStatement({
            actions: actions.map((action) => `dynamodb:${action}`),
            resources: [`${table.tableArn}/index/${index}`],
          }),
        );
      }
    }
  }
}
