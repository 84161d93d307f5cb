/**
 * The node families live in the journey contract (functions/contract/families.ts). This alias remains only
 * because infra/cloud imports NODE_FAMILIES from here; once the stack split lands it imports the contract.
 */
export { NODE_FAMILIES } from '../contract/families.js';
