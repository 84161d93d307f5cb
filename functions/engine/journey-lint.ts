import { NODE_LOOKUP } from '../nodes/registry.js';
import type { JsonValue } from '../shared/json.js';
import { type JourneyGraph, lintJourney as lintWith } from './lint.js';

/**
 * The journey lint bound to Proofline's node registry — a wiring, not engine code: the lint itself
 * (./lint.ts) takes the registry as a port. This module stays at this path only because infra/cloud imports it;
 * it is the one engine module allowed to import the nodes (see test/unit/import-cycles.test.ts) and moves to the
 * composition root once the stack split lands.
 */
export const lintJourney = (journey: string, definition: JsonValue): JourneyGraph =>
  lintWith(journey, definition, NODE_LOOKUP);

export type { JourneyGraph } from './lint.js';
