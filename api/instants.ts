/**
 * Inside the workflow, instants are epoch milliseconds (cheap, deterministic arithmetic); over
 * HTTP they are ISO 8601 strings, like every instant a client sends. This converts a state or
 * event payload on the way out: numeric fields named `at`, `from`, `to`, or ending in `At`/`By`.
 */
const INSTANT_KEY = /^(at|from|to)$|At$|By$/;

export function withIsoInstants<T>(value: T): T {
  return convert(value) as T;
}

function convert(value: unknown, key = ''): unknown {
  if (typeof value === 'number' && INSTANT_KEY.test(key) && Number.isFinite(value)) return new Date(value).toISOString();
  if (Array.isArray(value)) return value.map((item) => convert(item));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(v, k)]));
  }
  return value;
}
