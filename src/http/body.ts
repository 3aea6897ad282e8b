import { parse as parseLoosely, printParseErrorCode, type ParseError } from 'jsonc-parser';
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
      throw new AppError('invalid_body', 400, 'Invalid request body', { reason: whereJsonBreaks(text) });
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

/** Plain words for jsonc-parser's error codes (the ones a strict JSON document can meet). */
const JSON_PROBLEMS: Partial<Record<string, string>> = {
  InvalidSymbol: 'an unexpected character',
  InvalidNumberFormat: 'a malformed number',
  PropertyNameExpected: 'a property name (in double quotes) was expected',
  ValueExpected: 'a value was expected',
  ColonExpected: 'a colon was expected',
  CommaExpected: 'a comma was expected',
  CloseBraceExpected: 'a closing } was expected',
  CloseBracketExpected: 'a closing ] was expected',
  EndOfFileExpected: 'the body should have ended',
  InvalidCommentToken: 'comments are not allowed',
  UnexpectedEndOfComment: 'comments are not allowed',
  UnexpectedEndOfString: 'a string is not closed (or holds a raw line break)',
  UnexpectedEndOfNumber: 'a number is cut short',
  InvalidUnicode: 'a malformed \\u escape',
  InvalidEscapeCharacter: 'a malformed escape',
  InvalidCharacter: 'a control character inside a string',
};

/**
 * Where a body that looks like JSON (it starts with { or [) stops being JSON, by line and column.
 * Node's JSON.parse does not always say; jsonc-parser, in strict mode, reports the offset. Runs only
 * on the error path, so a valid body costs one JSON.parse.
 */
function whereJsonBreaks(text: string): string {
  const errors: ParseError[] = [];
  parseLoosely(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (!first) return 'The body is not valid JSON.';
  const before = text.slice(0, first.offset);
  const line = before.split('\n').length;
  const column = first.offset - before.lastIndexOf('\n');
  const code = printParseErrorCode(first.error);
  const problem = JSON_PROBLEMS[code] ?? code;
  return `The body is not valid JSON: ${problem} at line ${line}, column ${column} (character ${first.offset + 1}).`;
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
