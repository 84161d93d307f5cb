import { describe, expect, it } from 'vitest';
import { throttleSettings } from '../../infra/cloud/settings.js';

describe('the throttle deployment setting', () => {
  it('takes an object or the JSON text --context passes', () => {
    expect(throttleSettings({ THROTTLE_LOGIN_CLIENT_MAX: 200 })).toEqual({
      THROTTLE_LOGIN_CLIENT_MAX: '200',
    });
    expect(throttleSettings('{"THROTTLE_MESSAGE_DESTINATION_MAX": "3"}')).toEqual({
      THROTTLE_MESSAGE_DESTINATION_MAX: '3',
    });
    expect(throttleSettings(undefined)).toBeUndefined();
  });

  it.each([
    ['text that is not JSON', '{THROTTLE', /must be a JSON object/],
    ['an array', '[1]', /must be an object/],
    ['an unknown name', { THROTTLE_LOGIN_MAX: 3 }, /unknown setting THROTTLE_LOGIN_MAX/],
    ['a value that is not a number', { THROTTLE_LOGIN_CLIENT_MAX: 'many' }, /THROTTLE_LOGIN_CLIENT_MAX/],
    ['a zero limit', { THROTTLE_LOGIN_CLIENT_MAX: 0 }, /THROTTLE_LOGIN_CLIENT_MAX/],
  ])('refuses %s, naming the setting', (_name, context, message) => {
    expect(() => throttleSettings(context)).toThrow(message);
  });
});
