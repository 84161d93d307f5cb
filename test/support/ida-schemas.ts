import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

/**
 * The OpenID Connect for Identity Assurance JSON schemas copied under test/fixtures/ida (the final 2024 version
 * and the errata version, test/fixtures/ida/README.md), compiled once for the unit and integration tests.
 */
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const ID = 'https://bitbucket.org/openid/ekyc-ida/raw/master/schema';

function schemas(dir: string): { response: ValidateFunction; request: ValidateFunction } {
  // The 2024 schemas use keywords outside JSON Schema (e.g. `value` in `if`): not strict, as their authors ran them.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  for (const name of ['claims_schema', 'verified_claims_request', 'verified_claims'])
    ajv.addSchema(JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')));
  const get = (name: string): ValidateFunction => {
    const validate = ajv.getSchema(`${ID}/${name}.json`);
    if (!validate) throw new Error(`no schema ${name} in ${dir}`);
    return validate;
  };
  return { response: get('verified_claims'), request: get('verified_claims_request') };
}

const FIXTURES = join(import.meta.dirname, '../fixtures/ida');
export const IDA_SCHEMAS = { 'final 2024': schemas(FIXTURES), errata: schemas(join(FIXTURES, 'errata')) };
