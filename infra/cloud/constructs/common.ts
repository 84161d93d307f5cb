import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Validations } from 'aws-cdk-lib';
import { Construct, type IConstruct } from 'constructs';

/** The repository root: entry files, the lock file and the ASL files are resolved against it. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Acknowledges a cdk-nag AwsSolutions finding (`rule`, e.g. `AwsSolutions-IAM5[Resource::*]`) on `scope` and the
 * constructs under it only, with the reason it is accepted. Scoped, never stack-wide: the same finding on a
 * construct added later still fails the synthesis until someone reviews and acknowledges it there.
 */
export function acknowledgeNag(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions::${rule}`, reason });
}

const GROUP = Symbol.for('proofline.infra.group');

/**
 * A construct that groups the stack's resources without changing their CloudFormation logical IDs: its id is
 * left out of the logical IDs of everything under it (`ProoflineStack.allocateLogicalId`), so a resource keeps
 * the logical ID it had when it was created directly under the stack — a deployed stack updates its tables,
 * functions and machines in place rather than replacing them. Two groups must therefore never hold children
 * with the same id (the synthesis fails on a duplicate logical ID).
 */
export class ResourceGroup extends Construct {
  /** Whether `x` is a ResourceGroup (by a symbol, so it holds across copies of this module). */
  static isResourceGroup(x: unknown): x is ResourceGroup {
    return typeof x === 'object' && x !== null && GROUP in x;
  }

  constructor(scope: Construct, id: string) {
    super(scope, id);
    Object.defineProperty(this, GROUP, { value: true });
  }
}
