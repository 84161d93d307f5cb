import type { NodeFamily } from '../contract/nodes.js';

/**
 * Node families: one Lambda function each (its table grants, least privilege, are in `infra/cloud/grants.ts`).
 * `substitution` is the `${…}` variable the ASL files use as the Task's FunctionName; CDK resolves it to the
 * function's ARN, the embedded engine to the local handler.
 */
export const NODE_FAMILIES: Record<NodeFamily, { substitution: string; entry: string }> = {
  identity: {
    substitution: 'IdentityNodesFunctionArn',
    entry: 'functions/node-functions/handler.ts',
  },
  idemia: {
    substitution: 'IdemiaNodesFunctionArn',
    entry: 'functions/node-functions/handler.ts',
  },
  iproov: {
    substitution: 'IproovNodesFunctionArn',
    entry: 'functions/node-functions/handler.ts',
  },
};
