import { Annotations, ArnFormat, Duration, Stack, Token } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { NODE_FAMILIES } from '../../../functions/contract/families.js';
import type { NodeFamily } from '../../../functions/contract/nodes.js';
import { NODE_TABLE_GRANTS } from '../grants.js';
import { acknowledgeNag, ResourceGroup } from './common.js';
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
  /**
   * The families whose nodes mail users off the response path (Email Suspend, ADR 20): their function is named,
   * may invoke itself asynchronously (the mail event) and send email with SES from `emailFrom`.
   */
  readonly mailingFamilies?: readonly NodeFamily[];
  readonly emailFrom?: string;
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
      const mails = props.mailingFamilies?.includes(family) === true;
      const fn = prooflineFunction(this, nodeFunctionId(family), {
        entry: NODE_FAMILIES[family].entry,
        // Named, so that it may invoke itself without a dependency cycle between the function and its policy.
        ...(mails ? { functionName: mailingFunctionName(Stack.of(this).stackName, family) } : {}),
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
      if (props.mailingFamilies?.includes(family)) this.allowMailing(fn, family, props.emailFrom);
      for (const [name, value] of Object.entries(props.nodeEnvironment)) fn.addEnvironment(name, value);
      functions[family] = fn;
    }
    this.functions = functions;
  }

  /** The mail event's self-invocation and SES (the sender is configuration: any verified identity). */
  private allowMailing(fn: NodejsFunction, family: NodeFamily, emailFrom: string | undefined): void {
    const stack = Stack.of(this);
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [
          stack.formatArn({
            service: 'lambda',
            resource: 'function',
            resourceName: mailingFunctionName(stack.stackName, family),
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [stack.formatArn({ service: 'ses', resource: 'identity', resourceName: '*' })],
      }),
    );
    const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
    const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
    acknowledgeNag(
      fn,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:${region}:${account}:identity/*]`,
      'Email to users may be sent from any verified SES identity of the account (the sender is configuration).',
    );
    if (emailFrom) fn.addEnvironment('MESSAGING_EMAIL_FROM', emailFrom);
    else
      Annotations.of(stack).addWarningV2(
        'proofline:no-email-from-for-mail',
        'emailFrom is not set: Email Suspend cannot send its links (the mails fail and are logged).',
      );
  }
}

/** The name of a family's function when it invokes itself (a deployment's names must stay unique). */
export const mailingFunctionName = (stackName: string, family: NodeFamily): string =>
  `${stackName}-${family}-nodes`.slice(0, 64);
