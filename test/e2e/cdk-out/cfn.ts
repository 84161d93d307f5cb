import { createHash } from 'node:crypto';

/**
 * A CloudFormation template as synthesized, and a resolver of its intrinsic functions against locally minted
 * physical ids and attributes — what CloudFormation would have decided at deploy time. Test tooling for the
 * `cdk-out` e2e target; it knows the resource types Proofline's stack uses and fails loudly on others.
 */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface CfnResource {
  Type: string;
  Properties?: Record<string, Json>;
  Condition?: string;
  DependsOn?: string | string[];
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Conditions?: Record<string, Json>;
  Outputs?: Record<string, { Value: Json }>;
  Parameters?: Record<string, { Default?: Json }>;
}

export interface Deployment {
  readonly stackName: string;
  readonly region: string;
  readonly accountId: string;
  /** Base URL of the local HTTP API (`ApiEndpoint` of every `AWS::ApiGatewayV2::Api`). */
  readonly apiEndpoint: string;
}

/** A short stable suffix, as CloudFormation appends to generated names. */
const suffix = (seed: string, length = 12): string =>
  createHash('sha256').update(seed).digest('hex').slice(0, length).toUpperCase();

/** The physical id (`Ref`) and attributes (`Fn::GetAtt`) of every resource, minted like CloudFormation would. */
export interface Physical {
  ref: string;
  attributes: Record<string, string>;
}

export function mintPhysical(template: CfnTemplate, deployment: Deployment): Record<string, Physical> {
  const { stackName, region, accountId: account } = deployment;
  const out: Record<string, Physical> = {};
  const generated = (logicalId: string, max = 64): string =>
    `${stackName}-${logicalId}-${suffix(`${stackName}/${logicalId}`)}`.slice(0, max);
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const props = resource.Properties ?? {};
    const named = (key: string): string | undefined =>
      typeof props[key] === 'string' ? (props[key] as string) : undefined;
    let physical: Physical;
    switch (resource.Type) {
      case 'AWS::DynamoDB::GlobalTable':
      case 'AWS::DynamoDB::Table': {
        const name = named('TableName') ?? generated(logicalId, 255);
        const arn = `arn:aws:dynamodb:${region}:${account}:table/${name}`;
        physical = { ref: name, attributes: { Arn: arn, StreamArn: `${arn}/stream/local` } };
        break;
      }
      case 'AWS::Lambda::Function': {
        const name = named('FunctionName') ?? generated(logicalId);
        physical = { ref: name, attributes: { Arn: `arn:aws:lambda:${region}:${account}:function:${name}` } };
        break;
      }
      case 'AWS::IAM::Role': {
        const name = named('RoleName') ?? generated(logicalId);
        physical = {
          ref: name,
          attributes: { Arn: `arn:aws:iam::${account}:role/${name}`, RoleId: `AROA${suffix(name, 17)}` },
        };
        break;
      }
      case 'AWS::StepFunctions::StateMachine': {
        const name = named('StateMachineName') ?? generated(logicalId, 80);
        const arn = `arn:aws:states:${region}:${account}:stateMachine:${name}`;
        physical = { ref: arn, attributes: { Arn: arn, Name: name } };
        break;
      }
      case 'AWS::SecretsManager::Secret': {
        const name = named('Name') ?? `${logicalId}-${suffix(logicalId, 12)}`;
        const arn = `arn:aws:secretsmanager:${region}:${account}:secret:${name}-${suffix(name, 6)}`;
        physical = { ref: arn, attributes: { Id: arn } };
        break;
      }
      case 'AWS::S3::Bucket': {
        const name = named('BucketName') ?? generated(logicalId, 63).toLowerCase();
        physical = {
          ref: name,
          attributes: {
            Arn: `arn:aws:s3:::${name}`,
            DomainName: `${name}.s3.amazonaws.com`,
            RegionalDomainName: `${name}.s3.${region}.amazonaws.com`,
          },
        };
        break;
      }
      case 'AWS::KMS::Key': {
        const h = createHash('sha256').update(`${stackName}/${logicalId}`).digest('hex');
        const id = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
        physical = { ref: id, attributes: { Arn: `arn:aws:kms:${region}:${account}:key/${id}`, KeyId: id } };
        break;
      }
      case 'AWS::Logs::LogGroup': {
        const name = named('LogGroupName') ?? generated(logicalId, 512);
        physical = {
          ref: name,
          attributes: { Arn: `arn:aws:logs:${region}:${account}:log-group:${name}:*` },
        };
        break;
      }
      case 'AWS::ApiGatewayV2::Api': {
        const id = suffix(`${stackName}/${logicalId}`, 10).toLowerCase();
        physical = { ref: id, attributes: { ApiEndpoint: deployment.apiEndpoint, ApiId: id } };
        break;
      }
      default:
        physical = { ref: `${logicalId}-${suffix(logicalId, 8).toLowerCase()}`, attributes: {} };
    }
    out[logicalId] = physical;
  }
  return out;
}

/** Resolves Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split, Fn::If and the pseudo parameters. */
export class Resolver {
  constructor(
    private readonly template: CfnTemplate,
    private readonly physical: Record<string, Physical>,
    private readonly deployment: Deployment,
  ) {}

  private pseudo(name: string): string | undefined {
    const { region, accountId, stackName } = this.deployment;
    const values: Record<string, string> = {
      'AWS::Region': region,
      'AWS::AccountId': accountId,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': stackName,
      'AWS::StackId': `arn:aws:cloudformation:${region}:${accountId}:stack/${stackName}/local`,
    };
    return values[name];
  }

  private ref(name: string): string {
    const pseudo = this.pseudo(name);
    if (pseudo !== undefined) return pseudo;
    const parameter = this.template.Parameters?.[name];
    if (parameter) return String(parameter.Default ?? '');
    const resource = this.physical[name];
    if (!resource) throw new Error(`Ref to unknown resource ${name}`);
    return resource.ref;
  }

  private getAtt(logicalId: string, attribute: string): string {
    const value = this.physical[logicalId]?.attributes[attribute];
    if (value === undefined) {
      throw new Error(
        `Fn::GetAtt ${logicalId}.${attribute} (${this.template.Resources[logicalId]?.Type}) not supported`,
      );
    }
    return value;
  }

  condition(name: string): boolean {
    const expression = this.template.Conditions?.[name];
    if (expression === undefined) throw new Error(`Unknown condition ${name}`);
    return this.evaluateCondition(expression);
  }

  private evaluateCondition(expression: Json): boolean {
    if (typeof expression !== 'object' || expression === null || Array.isArray(expression)) {
      throw new Error(`Unsupported condition ${JSON.stringify(expression)}`);
    }
    const [fn, args] = Object.entries(expression)[0] ?? [];
    const list = Array.isArray(args) ? args : [];
    switch (fn) {
      case 'Fn::Equals':
        return (
          JSON.stringify(this.resolve(list[0] ?? null)) === JSON.stringify(this.resolve(list[1] ?? null))
        );
      case 'Fn::Not':
        return !this.evaluateCondition(list[0] ?? null);
      case 'Fn::And':
        return list.every((c) => this.evaluateCondition(c));
      case 'Fn::Or':
        return list.some((c) => this.evaluateCondition(c));
      case 'Condition':
        return this.condition(String(args));
      default:
        throw new Error(`Unsupported condition ${fn}`);
    }
  }

  private sub(text: string, variables: Record<string, Json>): string {
    return text.replace(/\$\{([^}!][^}]*)\}/g, (_match, name: string) => {
      if (name in variables) return String(this.resolve(variables[name] ?? null));
      if (name.includes('.')) {
        const [logicalId = '', ...attribute] = name.split('.');
        return this.getAtt(logicalId, attribute.join('.'));
      }
      return this.ref(name);
    });
  }

  resolve(value: Json): Json {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v)).filter((v) => v !== NO_VALUE);
    if (typeof value !== 'object' || value === null) return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const key = keys[0] as string;
      const args = value[key] as Json;
      switch (key) {
        case 'Ref':
          return args === 'AWS::NoValue' ? NO_VALUE : this.ref(String(args));
        case 'Fn::GetAtt': {
          const [logicalId, attribute] = Array.isArray(args) ? args : String(args).split(/\.(.*)/);
          return this.getAtt(String(logicalId), String(this.resolve(attribute ?? '')));
        }
        case 'Fn::Join': {
          const [separator, parts] = args as [string, Json];
          return (this.resolve(parts) as Json[]).map(String).join(separator);
        }
        case 'Fn::Sub': {
          if (typeof args === 'string') return this.sub(args, {});
          const [text, variables] = args as [string, Record<string, Json>];
          return this.sub(text, variables ?? {});
        }
        case 'Fn::Select': {
          const [index, list] = args as [Json, Json];
          return (this.resolve(list) as Json[])[Number(this.resolve(index))] ?? null;
        }
        case 'Fn::Split': {
          const [separator, text] = args as [string, Json];
          return String(this.resolve(text)).split(separator);
        }
        case 'Fn::If': {
          const [condition, whenTrue, whenFalse] = args as [string, Json, Json];
          return this.resolve(this.condition(condition) ? whenTrue : whenFalse);
        }
        case 'Fn::ToJsonString':
          return JSON.stringify(this.resolve(args));
        default:
          if (key.startsWith('Fn::')) throw new Error(`Intrinsic ${key} not supported`);
      }
    }
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) {
      const resolved = this.resolve(v);
      if (resolved !== NO_VALUE) out[k] = resolved;
    }
    return out;
  }

  /** A string-valued property, resolved. */
  string(value: Json | undefined): string {
    const resolved = this.resolve(value ?? null);
    if (typeof resolved !== 'string') throw new Error(`Expected a string, got ${JSON.stringify(resolved)}`);
    return resolved;
  }
}

/** `Ref: AWS::NoValue`: the property is removed. */
const NO_VALUE = '\u0000AWS::NoValue';

/** The logical id a `{Ref}` or `{Fn::GetAtt}` points at, if the value is one. */
export function referencedLogicalId(value: Json | undefined): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  if (typeof value.Ref === 'string') return value.Ref;
  const att = value['Fn::GetAtt'];
  if (Array.isArray(att) && typeof att[0] === 'string') return att[0];
  if (typeof att === 'string') return att.split('.')[0];
  return undefined;
}

export function resourcesOfType(template: CfnTemplate, ...types: string[]): Array<[string, CfnResource]> {
  return Object.entries(template.Resources).filter(([, r]) => types.includes(r.Type));
}
