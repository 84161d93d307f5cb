import { Duration } from 'aws-cdk-lib';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { NODE_FAMILIES } from '../../../functions/contract/families.js';
import type { NodeFamily } from '../../../functions/contract/nodes.js';
import { NODE_TABLE_GRANTS } from '../grants.js';
import { ResourceGroup } from './common.js';
import { prooflineFunction } from './function.js';
import type { Tables } from './tables.js';

export interface NodeFunctionsProps {
  /** The node families the deployed journeys use: one function each. */
  readonly families: readonly NodeFamily[];
  /** The tables, granted to each function as `NODE_TABLE_GRANTS` of its family says. */
  readonly tables: Tables;
  /** Variables every function gets (the tables' names, logging, the legacy users' realm). */
  readonly environment: Readonly<Record<string, string>>;
  /** Variables of the node functions only (throttling limits, the UI's base URL). */
  readonly nodeEnvironment: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
  readonly logRetention: RetentionDays;
}

/** Construct id of a node family's function: `identity` → `IdentityNodesFunction`. */
export const nodeFunctionId = (family: NodeFamily): string =>
  `${family[0]?.toUpperCase()}${family.slice(1)}NodesFunction`;

/** One function per node family the deployed journeys use (argon2 beside each bundle), with its table grants. */
export class NodeFunctions extends ResourceGroup {
  readonly functions: Readonly<Partial<Record<NodeFamily, NodejsFunction>>>;

  constructor(scope: Construct, id: string, props: NodeFunctionsProps) {
    super(scope, id);
    const functions: Partial<Record<NodeFamily, NodejsFunction>> = {};
    for (const family of props.families) {
      const fn = prooflineFunction(this, nodeFunctionId(family), {
        entry: NODE_FAMILIES[family].entry,
        memorySize: 1024,
        timeout: Duration.seconds(props.timeoutSeconds),
        environment: props.environment,
        logRetention: props.logRetention,
        ...(family === 'idemia'
          ? {
              wildcardReason:
                'X-Ray (active tracing) takes no resource-level permissions, nor does sns:Publish to phone numbers (the IPA link by SMS): both on *.',
            }
          : {}),
        shipsArgon2: true,
      });
      props.tables.grant(fn, NODE_TABLE_GRANTS[family]);
      for (const [name, value] of Object.entries(props.nodeEnvironment)) fn.addEnvironment(name, value);
      functions[family] = fn;
    }
    this.functions = functions;
  }
}
