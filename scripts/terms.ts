import { writeFileSync } from 'node:fs';
import { TERMS_MODULE, termsModuleSource } from './terms-module.js';

/** Writes functions/generated/terms.ts from the files under terms/. */
writeFileSync(TERMS_MODULE, termsModuleSource());
process.stdout.write(`wrote ${TERMS_MODULE.pathname}\n`);
