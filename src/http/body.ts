import qs from 'qs';
import { AppError, NulCharacterError } from '../errors.ts';
import type { WireFields } from '../wire.ts';

/**
 * Contract §4: every /api/* write body is read as JSON whatever its Content-Type claims, then as
 * PHP-style form encoding (`a[b][0][c]=v`), because Mydex's PHP and Postman examples send either.
 * `qs` does the bracket nesting; prototype keys are refused (AZ-05).
 */
export function parsePdxBody(raw: unknown): WireFields {
  if (raw === undefined || raw === null || raw === '') return {};
  if (typeof raw === 'object') return raw as WireFields;
  const text = String(raw).trim();
  if (text === '') return {};
  if (text.startsWith('{') || text.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new AppError('invalid_body', 400, 'Invalid request body', { reason: 'The body must be a JSON object.' });
      }
      rejectPrototypeKeys(parsed);
      return parsed as WireFields;
    } catch (err) {
      if (err instanceof AppError) throw err;
      // fall through: maybe form encoding that happens to start with a bracket
    }
  }
  const form = qs.parse(text, { depth: 10, arrayLimit: 1000, parameterLimit: 20000, allowPrototypes: false });
  if (
    Object.keys(form).length === 0 ||
    (Object.keys(form).length === 1 && Object.values(form)[0] === '' && !text.includes('='))
  ) {
    throw new AppError('invalid_body', 400, 'Invalid request body', {
      reason: 'The body is neither JSON nor form encoded.',
    });
  }
  rejectPrototypeKeys(form);
  return form as WireFields;
}

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/** One walk over the parsed body: prototype keys (AZ-05), and NUL in any key or text (see server.ts). */
function rejectPrototypeKeys(value: unknown, depth = 0): void {
  if (depth > 32) throw new AppError('invalid_body', 400, 'Invalid request body', { reason: 'The body is nested too deeply.' });
  if (typeof value === 'string' && value.includes('\0')) throw new NulCharacterError();
  if (value === null || typeof value !== 'object') return;
  for (const key of Object.keys(value)) {
    if (FORBIDDEN.has(key)) {
      throw new AppError('invalid_body', 400, 'Invalid request body', { reason: `Field "${key}" is not allowed.` });
    }
    if (key.includes('\0')) throw new NulCharacterError();
    rejectPrototypeKeys((value as Record<string, unknown>)[key], depth + 1);
  }
}
