import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthesizeApp } from './synth.js';

/**
 * The logical IDs and types of the test configuration's resources, and its outputs, as the stack synthesized them
 * before it was split into constructs (`template-shape.json`). A changed logical ID makes CloudFormation replace
 * the resource on the next deployment — a table's data with it — so the shape changes only on purpose: a new
 * resource, or a rename the deployed stacks are migrated for. Regenerate it then, and say why in the commit.
 */
const SHAPE = JSON.parse(readFileSync(join(import.meta.dirname, 'template-shape.json'), 'utf8')) as {
  resources: Record<string, string>;
  outputs: string[];
};

describe('the synthesized template', () => {
  let template: ReturnType<Template['toJSON']>;

  beforeAll(() => {
    template = Template.fromStack(synthesizeApp().stack).toJSON();
  }, 120_000);

  it('keeps every resource’s logical ID and type', () => {
    const resources = Object.fromEntries(
      Object.entries(template.Resources as Record<string, { Type: string }>)
        .filter(([, resource]) => resource.Type !== 'AWS::CDK::Metadata')
        .map(([id, resource]) => [id, resource.Type]),
    );
    expect(resources).toEqual(SHAPE.resources);
  });

  it('keeps its outputs', () => {
    expect(Object.keys(template.Outputs ?? {}).sort()).toEqual(SHAPE.outputs);
  });
});
