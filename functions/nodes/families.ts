import type { TableId } from '../store/tables.js';
import type { NodeFamily } from './types.js';

/**
 * Node families: one Lambda function each, with access to the tables listed (least privilege). `substitution` is the `${…}` variable the ASL files use as the
 * Task's FunctionName; CDK resolves it to the function's ARN, the embedded engine to the local handler.
 */
export const NODE_FAMILIES: Record<
  NodeFamily,
  { substitution: string; entry: string; tables: readonly TableId[] }
> = {
  identity: {
    substitution: 'IdentityNodesFunctionArn',
    entry: 'functions/nodes/handler.ts',
    tables: ['Users', 'Attempts'],
  },
  idemia: {
    substitution: 'IdemiaNodesFunctionArn',
    entry: 'functions/nodes/handler.ts',
    tables: ['Users', 'IpaSessions', 'Attempts'],
  },
  iproov: {
    substitution: 'IproovNodesFunctionArn',
    entry: 'functions/nodes/handler.ts',
    tables: ['Users', 'IproovClaims', 'Attempts'],
  },
};
