import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { NODE_FAMILIES } from '../../../functions/contract/families.js';
import type { NodeFamily } from '../../../functions/contract/nodes.js';
import type { JourneyFile } from '../../../functions/engine/asl.js';
import { acknowledgeNag, ResourceGroup } from './common.js';

export interface JourneysProps {
  /** The deployed journeys (linted by the plan) and the node families each one's Task states run in. */
  readonly journeys: readonly { readonly file: JourneyFile; readonly families: readonly NodeFamily[] }[];
  /** The node functions, by family: each machine may invoke only those its ASL names. */
  readonly nodeFunctions: Readonly<Partial<Record<NodeFamily, NodejsFunction>>>;
  /** The step budget: each machine's TimeoutSeconds. */
  readonly stepSeconds: number;
  readonly logRetention: RetentionDays;
}

/**
 * One EXPRESS state machine per deployed journey, from its ASL file, allowed to invoke only the node functions
 * its Task states name, logging errors (never execution data) to a vended log group.
 */
export class Journeys extends ResourceGroup {
  /** The machines by journey name. */
  readonly stateMachines: Readonly<Record<string, StateMachine>>;

  constructor(scope: Construct, id: string, props: JourneysProps) {
    super(scope, id);
    const { stackName } = Stack.of(this);
    const stateMachines: Record<string, StateMachine> = {};
    for (const { file, families } of props.journeys) {
      const logGroup = new LogGroup(this, `${file.journey}ExecutionLogs`, {
        // Vended logs: Step Functions' log delivery then needs no CloudWatch Logs resource policy entry per group
        // (that policy's 5120-character limit breaks deploys past a few machines).
        logGroupName: `/aws/vendedlogs/states/${stackName}-${file.journey}`,
        retention: props.logRetention,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      const invoked = families.map((family) => {
        const fn = props.nodeFunctions[family];
        if (!fn) throw new Error(`${file.journey} runs nodes of family ${family}, which has no function`);
        return [family, fn] as const;
      });
      const machine = new StateMachine(this, `${file.journey}StateMachine`, {
        stateMachineName: `${stackName}-${file.journey}`,
        stateMachineType: StateMachineType.EXPRESS,
        // The step budget as the machine's TimeoutSeconds (the `timeout` prop applies to CDK-built definitions
        // only, not to a file's).
        definitionBody: DefinitionBody.fromString(
          JSON.stringify({ ...file.definition, TimeoutSeconds: props.stepSeconds }),
        ),
        definitionSubstitutions: Object.fromEntries(
          invoked.map(([family, fn]) => [NODE_FAMILIES[family].substitution, fn.functionArn]),
        ),
        // Execution data carries passwords and profile data: never logged.
        logs: { destination: logGroup, level: LogLevel.ERROR, includeExecutionData: false },
        tracingEnabled: true,
      });
      // A definition from a file derives no grants: the machine may invoke the functions its ASL names, by their
      // unqualified ARN (the ASL names no version or alias).
      machine.addToRolePolicy(
        new PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: invoked.map(([, fn]) => fn.functionArn),
        }),
      );
      acknowledgeNag(
        machine,
        'AwsSolutions-IAM5[Resource::*]',
        'Step Functions log delivery (logs:*LogDelivery, logs:PutResourcePolicy, …) and X-Ray take no resource-level permissions.',
      );
      acknowledgeNag(
        machine,
        'AwsSolutions-SF1',
        'Express executions log at ERROR level without execution data: ALL would log every state of every step (cost at scale, and the data carries passwords); failures are what operators need.',
      );
      stateMachines[file.journey] = machine;
    }
    this.stateMachines = stateMachines;
  }
}
