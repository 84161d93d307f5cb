import { describe, expect, it } from 'vitest';
import { matchCallbacks } from '../../functions/engine/callbacks-check.js';
import type { Callback } from '../../functions/shared/callbacks.js';

const pending: Callback[] = [
  {
    type: 'BooleanAttributeInputCallback',
    output: [{ name: 'name', value: 'preferences/updates' }],
    input: [
      { name: 'IDToken1', value: false },
      { name: 'IDToken1validateOnly', value: false },
    ],
    _id: 0,
  },
];

describe('matchCallbacks', () => {
  it("takes the client's input values but keeps the server's outputs", () => {
    const submitted = [
      {
        ...pending[0],
        output: [{ name: 'name', value: 'tampered' }],
        input: [
          { name: 'IDToken1', value: true },
          { name: 'IDToken1validateOnly', value: false },
        ],
      },
    ];

    const [callback] = matchCallbacks(pending, submitted);

    expect(callback!.output).toEqual(pending[0]!.output);
    expect(callback!.input[0]!.value).toBe(true);
  });

  it('accepts "true"/"false" strings for boolean inputs and defaults an absent validateOnly to false', () => {
    const [callback] = matchCallbacks(pending, [
      { type: 'BooleanAttributeInputCallback', _id: 0, input: [{ name: 'IDToken1', value: 'true' }] },
    ]);

    expect(callback!.input).toEqual([
      { name: 'IDToken1', value: true },
      { name: 'IDToken1validateOnly', value: false },
    ]);
  });

  it.each([
    ['not an array', {}, /must be an array/],
    ['a non-object callback', ['x'], /must be an object/],
    ['a bad input list', [{ type: 'BooleanAttributeInputCallback', input: 'x' }], /input must be an array/],
    [
      'a bad input entry',
      [{ type: 'BooleanAttributeInputCallback', input: [{ value: 1 }] }],
      /\{name, value\}/,
    ],
    [
      'a non-boolean',
      [{ type: 'BooleanAttributeInputCallback', input: [{ name: 'IDToken1', value: 'yes' }] }],
      /must be a boolean/,
    ],
  ])('rejects %s', (_name, submitted, message) => {
    expect(() => matchCallbacks(pending, submitted)).toThrow(message);
  });
});
