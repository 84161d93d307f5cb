import type { JsonValue } from './json.js';

/**
 * AM's JSON callbacks, as they travel on `/json/authenticate`. Names of types, outputs and inputs are AM's:
 * clients such as the ForgeRock SDKs read them by name.
 */
export interface NameValue {
  name: string;
  value: JsonValue;
}

export interface Callback {
  type: string;
  output: NameValue[];
  input: NameValue[];
  _id: number;
}

/**
 * A callback before it is placed in a step: inputs carry only their suffix (`''`, `'validateOnly'`,
 * `'question'`…). AM names inputs `IDToken<position>` + suffix, numbering by position in the step.
 */
export interface CallbackTemplate {
  type: string;
  output: NameValue[];
  input: Array<{ suffix: string; value: JsonValue }>;
}

/** Numbers templates into a step, as AM does: `_id` from 0, `IDToken` from 1, by position. */
export function numberCallbacks(templates: readonly CallbackTemplate[]): Callback[] {
  return templates.map((t, index) => ({
    type: t.type,
    output: t.output,
    input: t.input.map((i) => ({ name: `IDToken${index + 1}${i.suffix}`, value: i.value })),
    _id: index,
  }));
}

/** The value of a callback's input with the given suffix. */
export function inputValue(callback: Callback, suffix = ''): JsonValue | undefined {
  return callback.input.find((i) => i.name === `IDToken${callback._id + 1}${suffix}`)?.value;
}

export const MessageType = { INFORMATION: '0', WARNING: '1', ERROR: '2' } as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export function textOutputCallback(
  message: string,
  messageType: MessageType = MessageType.INFORMATION,
): CallbackTemplate {
  return {
    type: 'TextOutputCallback',
    output: [
      { name: 'message', value: message },
      { name: 'messageType', value: messageType },
    ],
    input: [],
  };
}
