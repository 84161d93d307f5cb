import { writeFileSync } from 'node:fs';
import { listJourneyFiles } from '../functions/engine/asl.js';
import { lintJourney } from '../functions/engine/journey-lint.js';
import { diagramMarkdown } from './journey-diagram.js';

/** Writes docs/journeys/<Journey>.md for every journey. */
for (const file of listJourneyFiles()) {
  const path = new URL(`../docs/journeys/${file.journey}.md`, import.meta.url);
  writeFileSync(path, diagramMarkdown(lintJourney(file.journey, file.definition)));
  process.stdout.write(`wrote ${path.pathname}\n`);
}
