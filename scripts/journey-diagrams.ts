import { writeFileSync } from 'node:fs';
import { listJourneyFiles } from '../functions/engine/asl.js';
import { type JourneyGraph, lintJourney as lintWith } from '../functions/engine/lint.js';
import { NODE_LOOKUP } from '../functions/nodes/registry.js';
import { diagramMarkdown } from './journey-diagram.js';

const lintJourney = (journey: string, definition: Parameters<typeof lintWith>[1]): JourneyGraph =>
  lintWith(journey, definition, NODE_LOOKUP);

/** Writes docs/journeys/<Journey>.md for every journey. */
for (const file of listJourneyFiles()) {
  const path = new URL(`../docs/journeys/${file.journey}.md`, import.meta.url);
  writeFileSync(path, diagramMarkdown(lintJourney(file.journey, file.definition)));
  process.stdout.write(`wrote ${path.pathname}\n`);
}
