import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { JsonObject } from '../shared/json.js';

/** Where the journeys live: `statemachines/<Journey>.asl.json`. */
export const STATEMACHINES_DIR = new URL('../../statemachines/', import.meta.url).pathname;

export interface JourneyFile {
  journey: string;
  path: string;
  definition: JsonObject;
}

export function listJourneyFiles(dir: string = STATEMACHINES_DIR): JourneyFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.asl.json'))
    .sort()
    .map((f) => {
      const path = join(dir, f);
      return {
        journey: basename(f, '.asl.json'),
        path,
        definition: JSON.parse(readFileSync(path, 'utf8')) as JsonObject,
      };
    });
}

/** Resolves `${Name}` placeholders in every string of a definition, as CDK's definitionSubstitutions do. */
export function substitute<T>(value: T, substitutions: Readonly<Record<string, string>>): T {
  return JSON.parse(
    JSON.stringify(value, (_key, v: unknown) =>
      typeof v === 'string'
        ? v.replace(/\$\{([A-Za-z0-9_]+)\}/g, (match, name: string) => substitutions[name] ?? match)
        : v,
    ),
  ) as T;
}
