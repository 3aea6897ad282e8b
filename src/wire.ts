/**
 * A query string or request body as it arrived, before parsing: qs- or JSON-parsed, so strings,
 * arrays and nested objects. The routes turn it into typed requests; parsers take it.
 */
export type WireFields = Record<string, unknown>;
