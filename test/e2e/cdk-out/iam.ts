// @cloud-copilot/iam-simulate is AGPL-3.0: a test-only dev dependency, never bundled into an asset (ADR 0015).
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import type { AccessRequest } from './aws-server.js';
import {
  type CfnTemplate,
  type Json,
  type Physical,
  type Resolver,
  referencedLogicalId,
  resourcesOfType,
} from './cfn.js';

interface Statement {
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  Sid?: string;
}
interface PolicyDocument {
  Version?: string;
  Statement: Statement | Statement[];
}

/** The AWS managed policies the stack attaches, as AWS defines them (an unknown one is reported, and grants nothing). */
const MANAGED_POLICIES: Record<string, PolicyDocument> = {
  'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole': {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: '*',
      },
    ],
  },
  'arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess': {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: [
          'xray:PutTraceSegments',
          'xray:PutTelemetryRecords',
          'xray:GetSamplingRules',
          'xray:GetSamplingTargets',
          'xray:GetSamplingStatisticSummaries',
        ],
        Resource: '*',
      },
    ],
  },
};

/**
 * Grants that AWS services exercise on the principal's behalf, not the code: never seen by the harness, so never
 * reported as unused. Each with the reason.
 */
export const SERVICE_EXERCISED_GRANTS: ReadonlyArray<{ action: string; reason: string }> = [
  {
    action: 'logs:CreateLogGroup',
    reason: 'The Lambda service writes the function’s logs with its role (AWSLambdaBasicExecutionRole).',
  },
  {
    action: 'logs:CreateLogStream',
    reason: 'The Lambda service writes the function’s logs with its role (AWSLambdaBasicExecutionRole).',
  },
  {
    action: 'logs:PutLogEvents',
    reason: 'The Lambda service writes the function’s logs with its role (AWSLambdaBasicExecutionRole).',
  },
  {
    action: 'xray:PutTraceSegments',
    reason: 'Active tracing: the Lambda/Step Functions service sends trace segments with the role.',
  },
  {
    action: 'xray:PutTelemetryRecords',
    reason: 'Active tracing: the Lambda/Step Functions service sends telemetry with the role.',
  },
  {
    action: 'xray:GetSamplingRules',
    reason: 'Step Functions tracing reads the sampling rules with the state machine’s role.',
  },
  {
    action: 'xray:GetSamplingTargets',
    reason: 'Step Functions tracing reads the sampling targets with the state machine’s role.',
  },
  {
    action: 'logs:CreateLogDelivery',
    reason: 'Step Functions sets up the execution log delivery with the role (CloudWatch Logs vended logs).',
  },
  { action: 'logs:GetLogDelivery', reason: 'Step Functions log delivery (vended logs).' },
  { action: 'logs:UpdateLogDelivery', reason: 'Step Functions log delivery (vended logs).' },
  { action: 'logs:DeleteLogDelivery', reason: 'Step Functions log delivery (vended logs).' },
  { action: 'logs:ListLogDeliveries', reason: 'Step Functions log delivery (vended logs).' },
  {
    action: 'logs:PutResourcePolicy',
    reason: 'Step Functions log delivery writes the log group resource policy.',
  },
  {
    action: 'logs:DescribeResourcePolicies',
    reason: 'Step Functions log delivery reads the log group resource policies.',
  },
  { action: 'logs:DescribeLogGroups', reason: 'Step Functions log delivery checks the log group.' },
];

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** IAM's `*` and `?` wildcards (case-insensitive for actions). */
const wildcard = (pattern: string, value: string, ignoreCase = false): boolean => {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    ignoreCase ? 'i' : '',
  );
  return re.test(value);
};

interface Use {
  principal: string;
  action: string;
  resource: string;
  decision: 'Allowed' | 'Denied';
  via?: string;
  count: number;
  detail?: string;
}

/**
 * The stack's IAM, from the template: each role's identity policies (AWS::IAM::Policy, inline Policies,
 * managed policies), evaluated with iam-simulate for every call a function (or a state machine) makes, with the
 * resource's policy where there is one. Records every decision for the report.
 */
export class IamPolicies {
  private readonly policies = new Map<string, Array<{ name: string; policy: PolicyDocument }>>();
  private readonly principals = new Map<string, string>();
  private readonly uses = new Map<string, Use>();
  private readonly warnings: string[] = [];

  constructor(
    template: CfnTemplate,
    resolver: Resolver,
    physical: Record<string, Physical>,
    private readonly env: { region: string; accountId: string },
  ) {
    const add = (roleLogicalId: string | undefined, name: string, policy: PolicyDocument): void => {
      const arn = roleLogicalId ? physical[roleLogicalId]?.attributes.Arn : undefined;
      if (!arn) return;
      const existing = this.policies.get(arn) ?? [];
      existing.push({ name, policy });
      this.policies.set(arn, existing);
    };
    for (const [logicalId, role] of resourcesOfType(template, 'AWS::IAM::Role')) {
      const props = role.Properties ?? {};
      this.policies.set(physical[logicalId]?.attributes.Arn ?? logicalId, this.policies.get(logicalId) ?? []);
      for (const inline of list(props.Policies as Json[] | undefined)) {
        const p = resolver.resolve(inline) as unknown as {
          PolicyName: string;
          PolicyDocument: PolicyDocument;
        };
        add(logicalId, p.PolicyName, p.PolicyDocument);
      }
      for (const arnValue of list(props.ManagedPolicyArns as Json[] | undefined)) {
        const arn = String(resolver.resolve(arnValue));
        const managed = MANAGED_POLICIES[arn];
        if (managed) add(logicalId, arn, managed);
        else
          this.warnings.push(
            `${logicalId}: managed policy ${arn} is not known to the harness (treated as granting nothing)`,
          );
      }
    }
    for (const [logicalId, resource] of resourcesOfType(
      template,
      'AWS::IAM::Policy',
      'AWS::IAM::ManagedPolicy',
    )) {
      const props = resource.Properties ?? {};
      const document = resolver.resolve(props.PolicyDocument ?? null) as unknown as PolicyDocument;
      for (const role of list(props.Roles as Json[] | undefined))
        add(referencedLogicalId(role), logicalId, document);
    }
    // Who uses each role (for the report).
    for (const [logicalId, resource] of resourcesOfType(
      template,
      'AWS::Lambda::Function',
      'AWS::StepFunctions::StateMachine',
    )) {
      const props = resource.Properties ?? {};
      const role = referencedLogicalId(props.Role ?? props.RoleArn);
      const arn = role ? physical[role]?.attributes.Arn : undefined;
      if (arn) this.principals.set(arn, logicalId);
    }
  }

  /** undefined when allowed; otherwise an AccessDenied message as AWS words it. */
  async authorize(request: AccessRequest): Promise<string | undefined> {
    const identityPolicies = this.policies.get(request.caller.roleArn) ?? [];
    const simulation: Simulation = {
      request: {
        principal: request.caller.sessionArn,
        action: request.action,
        resource: { resource: request.resource, accountId: this.env.accountId },
        contextVariables: {
          'aws:PrincipalArn': request.caller.roleArn,
          'aws:PrincipalAccount': this.env.accountId,
          'aws:RequestedRegion': this.env.region,
          'aws:SecureTransport': 'true',
          ...request.context,
        },
      },
      identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(request.resourcePolicy ? { resourcePolicy: request.resourcePolicy } : {}),
    };
    const result = await runSimulation(simulation, {});
    let allowed: boolean;
    let detail: string | undefined;
    if (result.resultType === 'error') {
      allowed = false;
      detail = `simulator error: ${JSON.stringify(result.errors).slice(0, 500)}`;
    } else {
      allowed = result.overallResult === 'Allowed';
      if (!allowed) detail = result.overallResult;
    }
    const key = `${request.caller.roleArn}|${request.action}|${request.resource}|${allowed}|${request.via ?? ''}`;
    const use = this.uses.get(key);
    if (use) use.count++;
    else {
      this.uses.set(key, {
        principal: request.caller.logicalId,
        action: request.action,
        resource: request.resource,
        decision: allowed ? 'Allowed' : 'Denied',
        ...(request.via ? { via: request.via } : {}),
        count: 1,
        ...(detail ? { detail } : {}),
      });
    }
    if (allowed) return undefined;
    const identityAllows = identityPolicies.length > 0 && detail !== 'ExplicitlyDenied';
    return `User: ${request.caller.sessionArn} is not authorized to perform: ${request.action} on resource: ${request.resource} because ${
      detail === 'ExplicitlyDenied'
        ? 'an explicit deny in a policy'
        : identityAllows
          ? `no identity-based policy allows the ${request.action} action`
          : 'no policy allows it'
    }${detail?.startsWith('simulator error') ? ` (${detail})` : ''}`;
  }

  /** A service principal's invocation of a function, per the AWS::Lambda::Permission resources. */
  servicePermitted(
    permissions: ReadonlyArray<Record<string, Json>>,
    functionArn: string,
    principal: string,
    sourceArn: string,
  ): boolean {
    const name = functionArn.split(':').pop() ?? '';
    const allowed = permissions.some((p) => {
      const fn = String(p.FunctionName ?? '');
      return (
        (fn === functionArn || fn === name) &&
        ['lambda:InvokeFunction', 'lambda:*'].includes(String(p.Action)) &&
        String(p.Principal) === principal &&
        (p.SourceArn === undefined || wildcard(String(p.SourceArn), sourceArn))
      );
    });
    const key = `${principal}|lambda:InvokeFunction|${functionArn}|${allowed}|${sourceArn}`;
    const use = this.uses.get(key);
    if (use) use.count++;
    else
      this.uses.set(key, {
        principal,
        action: 'lambda:InvokeFunction',
        resource: functionArn,
        decision: allowed ? 'Allowed' : 'Denied',
        via: `resource policy (AWS::Lambda::Permission), source ${sourceArn}`,
        count: 1,
      });
    return allowed;
  }

  /** Every (principal, action, resource) used, and every granted action no call used. */
  report(): Record<string, unknown> {
    const uses = [...this.uses.values()];
    const roles = [...this.policies.entries()].map(([roleArn, policies]) => {
      const principal = this.principals.get(roleArn) ?? roleArn;
      const mine = uses.filter((u) => u.principal === principal && u.decision === 'Allowed');
      const unused: Array<{ policy: string; action: string; resources: string[] }> = [];
      const serviceExercised: Array<{ action: string; reason: string }> = [];
      for (const { name, policy } of policies) {
        for (const statement of list(policy.Statement)) {
          if (statement.Effect !== 'Allow') continue;
          const resources = list(statement.Resource);
          for (const action of list(statement.Action)) {
            const allowListed = SERVICE_EXERCISED_GRANTS.find((g) => wildcard(action, g.action, true));
            if (allowListed) {
              serviceExercised.push({ action, reason: allowListed.reason });
              continue;
            }
            const used = mine.some(
              (u) => wildcard(action, u.action, true) && resources.some((r) => wildcard(r, u.resource)),
            );
            if (!used) unused.push({ policy: name, action, resources });
          }
        }
      }
      return { principal, roleArn, used: mine, unusedGrants: unused, serviceExercised };
    });
    return {
      note: 'cdk-out e2e target: IAM evaluated with @cloud-copilot/iam-simulate against the synthesized template. Unused grants are those no call of this run exercised (a run that skips a journey leaves its grants unused).',
      denied: uses.filter((u) => u.decision === 'Denied'),
      servicePrincipals: uses.filter(
        (u) => !u.principal.match(/^[A-Z]/) || u.via?.startsWith('resource policy'),
      ),
      roles,
      warnings: this.warnings,
    };
  }
}
