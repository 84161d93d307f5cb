import { ConfigurationError } from '../../functions/shared/errors.js';
import { throttlePolicyFromEnv } from '../../functions/store/throttle.js';

const THROTTLE_SETTING =
  /^THROTTLE_(LOGIN_ACCOUNT|LOGIN_CLIENT|MESSAGE_DESTINATION|MESSAGE_CLIENT)_(MAX|WINDOW_SECONDS|DELAY_SECONDS|MAX_DELAY_SECONDS)$/;

/**
 * The `throttle` context (an object, or its JSON text as `--context throttle='{…}'` passes it) as the node
 * functions' environment: only known `THROTTLE_*` names, each a whole number, the whole checked as the
 * functions will read it — a wrong setting fails the synth, naming it.
 */
export function throttleSettings(context: unknown): Record<string, string> | undefined {
  if (context === undefined || context === null || context === '') return undefined;
  let value = context;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch (error) {
      throw new ConfigurationError('Context "throttle" must be a JSON object of THROTTLE_* settings', {
        cause: error,
      });
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ConfigurationError('Context "throttle" must be an object of THROTTLE_* settings');
  const settings: Record<string, string> = {};
  for (const [name, setting] of Object.entries(value)) {
    if (!THROTTLE_SETTING.test(name))
      throw new ConfigurationError(
        `Context "throttle": unknown setting ${name} (see README, Lockout and throttling)`,
      );
    if (typeof setting !== 'number' && typeof setting !== 'string')
      throw new ConfigurationError(`Context "throttle": ${name} must be a whole number`);
    settings[name] = String(setting);
  }
  throttlePolicyFromEnv(settings);
  return settings;
}
