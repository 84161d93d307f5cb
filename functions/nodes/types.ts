/**
 * The node types live in the journey contract (functions/contract/nodes.ts). This alias remains only because
 * infra/cloud imports NodeFamily from here; once the stack split lands it imports the contract and this goes.
 */
export type { NodeFamily } from '../contract/nodes.js';
