import type { NodeFamily } from '../contract/nodes.js';

/**
 * Node families: one Lambda function each (its table grants, least privilege, are in `infra/cloud/grants.ts`).
 * `substitution` is the `${…}` variable the ASL files use as the Task's FunctionName; CDK resolves it to the
 * function's ARN, the embedded engine to the local handler. `entry` is the family's Lambda entry point: it
 * builds only that family's services, so each bundle holds only the clients it uses (issue 10 §2).
 */
export const NODE_FAMILIES: Record<NodeFamily, { substitution: string; entry: string }> = {
  identity: {
    substitution: 'IdentityNodesFunctionArn',
    entry: 'functions/node-functions/identity.ts',
  },
  idemia: {
    substitution: 'IdemiaNodesFunctionArn',
    entry: 'functions/node-functions/idemia.ts',
  },
  iproov: {
    substitution: 'IproovNodesFunctionArn',
    entry: 'functions/node-functions/iproov.ts',
  },
};
