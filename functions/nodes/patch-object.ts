import * as v from 'valibot';
import { userNameKey } from '../contract/keys.js';
import type { NodeDefinition } from '../contract/nodes.js';
import type { ProfilePatch } from '../contract/ports.js';
import type { JsonObject, JsonValue } from '../shared/json.js';
import { isJsonObject } from '../shared/json.js';
import { logger } from '../shared/logger.js';
import { ATTRIBUTES } from './attributes.js';
import { transientOf } from './page-support.js';
import { identifiedUser, identityAttribute } from './profile.js';

const configSchema = v.strictObject({
  /** AM's managed object type (`managed/alpha_user`): Proofline has one user store per realm. */
  identityResource: v.optional(
    v.pipe(v.string(), v.regex(/^managed\/([A-Za-z0-9]+_)?user$/, 'must name a managed user type')),
    'managed/alpha_user',
  ),
  /** AM patches as the user when true; Proofline patches as the journey (the AIC templates set false). */
  patchAsObject: v.optional(
    v.literal(false, 'must be false (Proofline patches as the journey, as AIC templates do)'),
    false,
  ),
  /** `objectAttributes` fields left out of the patch (`preferences/marketing`, `password`…). */
  ignoredFields: v.optional(v.array(v.pipe(v.string(), v.minLength(1))), () => []),
  identityAttribute,
});
type Config = v.InferOutput<typeof configSchema>;

/**
 * What Patch Object may write: the attributes a journey collects (functions/nodes/attributes.ts, the one list),
 * by path. Unique ones (mail) only when unchanged; so is userName, which several nodes put in `objectAttributes`.
 */
const WRITABLE = new Map(
  Object.entries(ATTRIBUTES)
    .filter(([, definition]) => !definition.unique)
    .map(([name, definition]) => [name, definition.type]),
);
const UNCHANGEABLE = new Set([
  'userName',
  ...Object.entries(ATTRIBUTES)
    .filter(([, definition]) => definition.unique)
    .map(([name]) => name),
]);

type Rejection = { path: string; reason: string };

/**
 * The leaf changes of `objectAttributes`, by path, or the first field that cannot be patched. Objects are walked
 * only where a writable attribute lies below them (`preferences` → `preferences/marketing`).
 */
function leafChanges(
  attributes: JsonObject,
  ignored: ReadonlySet<string>,
  current: JsonObject,
): { changes: Array<[string, JsonValue]> } | Rejection {
  const changes: Array<[string, JsonValue]> = [];
  const walk = (object: JsonObject, prefix: string): Rejection | undefined => {
    for (const [key, value] of Object.entries(object)) {
      const path = prefix === '' ? key : `${prefix}/${key}`;
      if (ignored.has(path)) continue;
      if (path === 'password') return { path, reason: 'a password is patched only from the transient state' };
      if (UNCHANGEABLE.has(path)) {
        const same =
          typeof value === 'string' &&
          typeof current[path] === 'string' &&
          userNameKey(value) === userNameKey(current[path] as string);
        if (!same) return { path, reason: 'a unique attribute cannot be changed by Patch Object' };
        continue;
      }
      const type = WRITABLE.get(path);
      if (type) {
        const valid = type === 'boolean' ? typeof value === 'boolean' : typeof value === 'string';
        if (!valid) return { path, reason: `must be a ${type}` };
        changes.push([path, typeof value === 'string' ? value.trim() : value]);
      } else if (isJsonObject(value) && [...WRITABLE.keys()].some((name) => name.startsWith(`${path}/`))) {
        const rejected = walk(value, path);
        if (rejected) return rejected;
      } else {
        return { path, reason: 'not a writable profile attribute' };
      }
    }
    return undefined;
  };
  const rejected = walk(attributes, '');
  return rejected ?? { changes };
}

/** Leaf changes as whole top-level attributes (nested ones merged into the user's current value). */
function toPatch(
  changes: Array<[string, JsonValue]>,
  current: JsonObject,
): { set: JsonObject; remove: string[] } {
  const set: JsonObject = {};
  const remove: string[] = [];
  for (const [path, value] of changes) {
    const [top, ...rest] = path.split('/') as [string, ...string[]];
    if (rest.length === 0) {
      if (value === '') remove.push(top);
      else set[top] = value;
      continue;
    }
    const base = isJsonObject(set[top])
      ? set[top]
      : isJsonObject(current[top])
        ? structuredClone(current[top])
        : {};
    let node: JsonObject = base;
    for (const part of rest.slice(0, -1)) {
      if (!isJsonObject(node[part])) node[part] = {};
      node = node[part] as JsonObject;
    }
    const leaf = rest[rest.length - 1] as string;
    if (value === '') delete node[leaf];
    else node[leaf] = value;
    set[top] = base;
  }
  return { set, remove };
}

/**
 * Patch Object: writes the shared state's `objectAttributes` onto the identified user — the collectable profile
 * attributes only; an empty string removes one — and, when the transient state holds a password (Platform
 * Password), its hash. A field it cannot write (unknown, wrong type, a changed userName or mail) is FAILURE and
 * nothing is written.
 */
export const patchObject = {
  type: 'PatchObjectNode',
  displayName: 'Patch Object',
  family: 'identity',
  configSchema,
  outcomes: () => ['PATCHED', 'FAILURE'],
  suspends: false,
  async process(ctx) {
    const user = await identifiedUser(ctx);
    const current = user as unknown as JsonObject;
    const ignored = new Set(ctx.config.ignoredFields);
    const found = leafChanges(ctx.state.objectAttributes ?? {}, ignored, current);
    if ('reason' in found) {
      logger.warn('Failed to patch object', {
        nodeId: ctx.nodeId,
        attribute: found.path,
        reason: found.reason,
      });
      return { outcome: 'FAILURE' };
    }
    const transient = transientOf(ctx);
    const password = ignored.has('password') ? undefined : transient.password;
    // Consumed here, like Create Object: no later node, Lambda payload or execution output carries it.
    if (password !== undefined) delete transient.password;
    const { set, remove } = toPatch(found.changes, current);
    const patch: ProfilePatch = {
      set,
      remove: remove.filter((name) => current[name] !== undefined),
      ...(password ? { passwordHash: await ctx.services.passwords.hash(password) } : {}),
    };
    if (Object.keys(set).length === 0 && patch.remove?.length === 0 && !patch.passwordHash)
      return { outcome: 'PATCHED' };
    if (!(await ctx.services.users.patch(user.id, patch))) {
      logger.warn('Failed to patch object', { nodeId: ctx.nodeId, reason: 'the user no longer exists' });
      return { outcome: 'FAILURE' };
    }
    return { outcome: 'PATCHED' };
  },
} satisfies NodeDefinition<Config>;
