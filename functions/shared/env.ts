import { ConfigurationError } from './errors.js';

/**
 * Typed access to environment variables. A variable with no default that is missing is a configuration
 * error naming the variable: never a silent fallback.
 */
export function requireEnv(key: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[key];
  if (value === undefined || value === '') {
    throw new ConfigurationError(`Environment variable ${key} is required but not set`);
  }
  return value;
}

export function optionalEnv(key: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[key];
  return value === undefined || value === '' ? undefined : value;
}

export function intEnv(key: string, defaultValue: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = optionalEnv(key, env);
  if (raw === undefined) return defaultValue;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new ConfigurationError(`Environment variable ${key} must be a non-negative integer, got "${raw}"`);
  }
  return value;
}
