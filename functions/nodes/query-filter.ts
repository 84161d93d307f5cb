/**
 * AM/IDM `_queryFilter` expressions (the CREST query filter syntax): a parser to an AST and an evaluator over a
 * JSON object (the user's profile), for the Query Filter Decision node and any node that needs a filter.
 *
 * Grammar (CREST's QueryFilterParser, recursive descent; keywords and operators are case-insensitive):
 *
 *   Expr           = OrExpr
 *   OrExpr         = AndExpr ( 'or' AndExpr )*
 *   AndExpr        = NotExpr ( 'and' NotExpr )*
 *   NotExpr        = '!' PrimaryExpr | PrimaryExpr
 *   PrimaryExpr    = '(' Expr ')' | ComparisonExpr | PresenceExpr | 'true' | 'false'
 *   ComparisonExpr = Pointer ( 'eq' | 'co' | 'sw' | 'gt' | 'ge' | 'lt' | 'le' ) Value
 *   PresenceExpr   = Pointer 'pr'
 *   Value          = '"' characters up to the next '"' '"' | NUMBER | 'true' | 'false'
 *   Pointer        = a JSON pointer, with or without its leading '/' (`/preferences/marketing`, `userName`)
 *
 * As in CREST: tokens are separated by spaces and parentheses; a string runs to the next double quote (there
 * are no escapes); a number with a '.' is a decimal, otherwise an integer; `null` is not a value; negation is
 * `!` (there is no `not` keyword). CREST's extended operators (any other word) cannot be evaluated here, so
 * they are syntax errors. Proofline also splits a leading `!` from the word it starts (`!(…)`, `!/x pr`).
 *
 * Evaluation follows IDM's in-memory filter (JsonValueFilterVisitor): a field holding an array matches when any
 * element matches; values compare only with values of the same JSON type (string, number, boolean); strings
 * compare case-insensitively (`eq`, `gt`…, and `co`/`sw`); `co`/`sw` on numbers and booleans are equality.
 * `pr` is true for a value that is not null, not an empty string and not an empty array: AIC's directory does
 * not store empty values, so they read back as absent there.
 */
import type { JsonObject, JsonValue } from '../shared/json.js';
import { isJsonObject } from '../shared/json.js';

/** A JSON pointer as its decoded reference tokens (`/preferences/marketing` → `['preferences', 'marketing']`). */
export type FieldPath = readonly string[];

export type ComparisonOperator = 'eq' | 'co' | 'sw' | 'gt' | 'ge' | 'lt' | 'le';
export const COMPARISON_OPERATORS: readonly ComparisonOperator[] = ['eq', 'co', 'sw', 'gt', 'ge', 'lt', 'le'];

export type QueryValue = string | number | boolean;

export type QueryFilter =
  | { readonly type: 'literal'; readonly value: boolean }
  | { readonly type: 'and' | 'or'; readonly filters: readonly QueryFilter[] }
  | { readonly type: 'not'; readonly filter: QueryFilter }
  | { readonly type: 'present'; readonly field: FieldPath }
  | {
      readonly type: 'compare';
      readonly operator: ComparisonOperator;
      readonly field: FieldPath;
      readonly value: QueryValue;
    };

/** A query filter that does not parse: `position` is the 0-based index in `filter` where parsing failed. */
export class QueryFilterSyntaxError extends Error {
  readonly filter: string;
  readonly position: number;
  readonly reason: string;
  constructor(filter: string, position: number, reason: string) {
    super(`Invalid query filter at position ${position}: ${reason}`);
    this.name = 'QueryFilterSyntaxError';
    this.filter = filter;
    this.position = position;
    this.reason = reason;
  }
}

/** CREST's limit on nested expressions. */
const MAX_DEPTH = 256;

type Token =
  | { kind: 'open' | 'close' | 'not'; at: number }
  | { kind: 'string'; at: number; text: string }
  | { kind: 'word'; at: number; text: string };

function tokenize(filter: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < filter.length) {
    const c = filter[i];
    if (c === ' ') {
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push({ kind: c === '(' ? 'open' : 'close', at: i });
      i++;
    } else if (c === '"' || c === "'") {
      // Double or single quotes, as DS's and IDM's documented filters use both (`uid eq 'bjensen'`).
      const end = filter.indexOf(c, i + 1);
      if (end < 0) throw new QueryFilterSyntaxError(filter, i, `unterminated string (missing closing ${c})`);
      tokens.push({ kind: 'string', at: i, text: filter.slice(i + 1, end) });
      i = end + 1;
    } else if (c === '!') {
      tokens.push({ kind: 'not', at: i });
      i++;
    } else {
      const start = i;
      while (i < filter.length && !` ()"'`.includes(filter[i] as string)) i++;
      tokens.push({ kind: 'word', at: start, text: filter.slice(start, i) });
    }
  }
  return tokens;
}

const describe = (token: Token | undefined): string => {
  if (!token) return 'the end of the filter';
  switch (token.kind) {
    case 'open':
      return '"("';
    case 'close':
      return '")"';
    case 'not':
      return '"!"';
    case 'string':
      return `the string "${token.text}"`;
    default:
      return `"${token.text}"`;
  }
};

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.\d*|\.\d+)([eE][+-]?\d+)?$/;

class Parser {
  private index = 0;
  constructor(
    private readonly filter: string,
    private readonly tokens: Token[],
  ) {}

  parse(): QueryFilter {
    if (this.tokens.length === 0) throw this.error(0, 'the filter is empty');
    const result = this.or(0);
    const rest = this.peek();
    if (rest) {
      throw this.error(
        rest.at,
        rest.kind === 'close' ? 'unbalanced ")"' : `expected "and", "or" or the end, found ${describe(rest)}`,
      );
    }
    return result;
  }

  private peek(): Token | undefined {
    return this.tokens[this.index];
  }

  private next(): Token | undefined {
    const token = this.tokens[this.index];
    if (token) this.index++;
    return token;
  }

  private end(): number {
    return this.filter.length;
  }

  private error(position: number, reason: string): QueryFilterSyntaxError {
    return new QueryFilterSyntaxError(this.filter, position, reason);
  }

  private keyword(word: string): boolean {
    const token = this.peek();
    return token?.kind === 'word' && token.text.toLowerCase() === word;
  }

  private depth(depth: number): void {
    if (depth > MAX_DEPTH)
      throw this.error(this.peek()?.at ?? this.end(), `more than ${MAX_DEPTH} nested expressions`);
  }

  private or(depth: number): QueryFilter {
    this.depth(depth);
    const filters = [this.and(depth + 1)];
    while (this.keyword('or')) {
      this.next();
      filters.push(this.and(depth + 1));
    }
    return filters.length === 1 ? (filters[0] as QueryFilter) : { type: 'or', filters };
  }

  private and(depth: number): QueryFilter {
    this.depth(depth);
    const filters = [this.not(depth + 1)];
    while (this.keyword('and')) {
      this.next();
      filters.push(this.not(depth + 1));
    }
    return filters.length === 1 ? (filters[0] as QueryFilter) : { type: 'and', filters };
  }

  private not(depth: number): QueryFilter {
    this.depth(depth);
    if (this.peek()?.kind === 'not') {
      this.next();
      return { type: 'not', filter: this.primary(depth + 1) };
    }
    return this.primary(depth + 1);
  }

  private primary(depth: number): QueryFilter {
    this.depth(depth);
    const token = this.next();
    if (!token) throw this.error(this.end(), 'expected a filter, found the end of the filter');
    if (token.kind === 'open') {
      const inner = this.or(depth + 1);
      const close = this.next();
      if (close?.kind !== 'close')
        throw this.error(
          close?.at ?? this.end(),
          `expected ")" to close the "(" at ${token.at}, found ${describe(close)}`,
        );
      return inner;
    }
    if (token.kind !== 'word') throw this.error(token.at, `expected a filter, found ${describe(token)}`);
    const lower = token.text.toLowerCase();
    if (lower === 'true' || lower === 'false') return { type: 'literal', value: lower === 'true' };
    if (lower === 'and' || lower === 'or')
      throw this.error(token.at, `expected a filter before "${token.text}"`);
    if (lower === 'not')
      throw this.error(token.at, 'negation is written "!" (for example !(/mail pr)), not "not"');
    const field = parsePointerAt(this.filter, token.text, token.at);
    const operator = this.next();
    if (operator?.kind !== 'word')
      throw this.error(
        operator?.at ?? this.end(),
        `expected an operator (eq, co, sw, gt, ge, lt, le, pr) after "${token.text}", found ${describe(operator)}`,
      );
    const op = operator.text.toLowerCase();
    if (op === 'pr') return { type: 'present', field };
    if (!(COMPARISON_OPERATORS as readonly string[]).includes(op))
      throw this.error(
        operator.at,
        `unknown operator "${operator.text}" (supported: eq, co, sw, gt, ge, lt, le, pr)`,
      );
    return { type: 'compare', operator: op as ComparisonOperator, field, value: this.value(op) };
  }

  private value(operator: string): QueryValue {
    const token = this.next();
    const expected = `expected a value after "${operator}" (a quoted string, a number, true or false)`;
    if (token?.kind === 'string') return token.text;
    if (token?.kind !== 'word')
      throw this.error(token?.at ?? this.end(), `${expected}, found ${describe(token)}`);
    const lower = token.text.toLowerCase();
    if (lower === 'true' || lower === 'false') return lower === 'true';
    if (INTEGER.test(token.text) || DECIMAL.test(token.text)) return Number(token.text);
    throw this.error(token.at, `${expected}, found "${token.text}"`);
  }
}

/** Parses a `_queryFilter` expression; a malformed one throws QueryFilterSyntaxError with its position. */
export function parseQueryFilter(filter: string): QueryFilter {
  return new Parser(filter, tokenize(filter)).parse();
}

function parsePointerAt(filter: string, text: string, at: number): FieldPath {
  const body = text.startsWith('/') ? text.slice(1) : text;
  if (body === '') return [];
  return body.split('/').map((token, index, all) => {
    const offset =
      at + (text.length - body.length) + all.slice(0, index).join('/').length + (index > 0 ? 1 : 0);
    const bad = token.search(/~(?![01])/);
    if (bad >= 0)
      throw new QueryFilterSyntaxError(
        filter,
        offset + bad,
        `invalid JSON pointer "${text}" ("~" must be "~0" or "~1")`,
      );
    if (token === '')
      throw new QueryFilterSyntaxError(
        filter,
        offset,
        `invalid JSON pointer "${text}" (empty reference token)`,
      );
    return token.replaceAll('~1', '/').replaceAll('~0', '~');
  });
}

/**
 * Parses an attribute name as a JSON pointer, with or without its leading slash: `preferences/marketing`,
 * `/preferences/marketing`. A malformed one throws QueryFilterSyntaxError.
 */
export function parsePointer(text: string): FieldPath {
  return parsePointerAt(text, text, 0);
}

/** The value a pointer designates (array elements by index), or undefined when there is none. */
export function resolvePointer(value: JsonValue | undefined, path: FieldPath): JsonValue | undefined {
  let current = value;
  for (const token of path) {
    if (isJsonObject(current)) current = Object.hasOwn(current, token) ? current[token] : undefined;
    else if (Array.isArray(current) && /^(0|[1-9]\d*)$/.test(token)) current = current[Number(token)];
    else return undefined;
  }
  return current;
}

/** Present as AIC reads it back: not absent, not null, not an empty string or array. */
export function isPresent(value: JsonValue | undefined): boolean {
  if (value === undefined || value === null || value === '') return false;
  return !(Array.isArray(value) && value.length === 0);
}

/** Java's compareToIgnoreCase, close enough: fold both cases, then compare UTF-16 code units. */
function compareStrings(a: string, b: string): number {
  const x = a.toUpperCase().toLowerCase();
  const y = b.toUpperCase().toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Compares two values of the same JSON type; undefined for values of different types (they never match). */
function compare(actual: JsonValue, expected: QueryValue): number | undefined {
  if (typeof actual === 'string' && typeof expected === 'string') return compareStrings(actual, expected);
  if (typeof actual === 'number' && typeof expected === 'number') return Math.sign(actual - expected);
  if (typeof actual === 'boolean' && typeof expected === 'boolean') return Number(actual) - Number(expected);
  return undefined;
}

function matches(operator: ComparisonOperator, actual: JsonValue, expected: QueryValue): boolean {
  const order = compare(actual, expected);
  if (order === undefined) return false;
  switch (operator) {
    case 'eq':
      return order === 0;
    case 'gt':
      return order > 0;
    case 'ge':
      return order >= 0;
    case 'lt':
      return order < 0;
    case 'le':
      return order <= 0;
    case 'co':
    case 'sw': {
      if (typeof actual !== 'string' || typeof expected !== 'string') return order === 0;
      const haystack = actual.toLowerCase();
      const needle = expected.toLowerCase();
      return operator === 'co' ? haystack.includes(needle) : haystack.startsWith(needle);
    }
  }
}

/** True when `object` (a JSON object, e.g. the user's profile) satisfies the filter. */
export function evaluateQueryFilter(filter: QueryFilter, object: JsonObject): boolean {
  switch (filter.type) {
    case 'literal':
      return filter.value;
    case 'and':
      return filter.filters.every((f) => evaluateQueryFilter(f, object));
    case 'or':
      return filter.filters.some((f) => evaluateQueryFilter(f, object));
    case 'not':
      return !evaluateQueryFilter(filter.filter, object);
    case 'present':
      return isPresent(resolvePointer(object, filter.field));
    case 'compare': {
      const value = resolvePointer(object, filter.field);
      const values = value === undefined ? [] : Array.isArray(value) ? value : [value];
      return values.some((v) => matches(filter.operator, v, filter.value));
    }
  }
}
