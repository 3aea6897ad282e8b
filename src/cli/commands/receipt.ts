/**
 * `openpdx receipt verify FILE`: checks consent receipts offline (docs/consent-receipts.md): each
 * signature against a key set, and each chain (per member and connection) for a missing, altered
 * or reordered receipt. Needs no database and no configuration.
 */
import type { Command } from 'commander';
import { AppError, ValidationError } from '../../errors.ts';
import { RECEIPT_KEYS_PATH, verifyReceipts } from '../../receipts/receipt-format.ts';
import { emit } from '../output.ts';
import { keySet, readText } from '../signed-files.ts';
import { examples, withJson } from '../options.ts';
import type { CliRuntime } from '../runtime.ts';

class ReceiptsInvalid extends AppError {
  constructor(problems: number) {
    super(
      'receipt_invalid',
      422,
      `${problems} problem${problems === 1 ? '' : 's'} found: the receipts cannot be trusted as they are`,
    );
  }
}

export function registerReceiptCommands(program: Command, rt: CliRuntime): void {
  const receipt = program.command('receipt').description('signed consent receipts');
  examples(
    withJson(
      receipt
        .command('verify')
        .description(
          'check consent receipts: every signature, and every chain of a member and connection (a receipt missing, altered or out of order shows)',
        )
        .argument(
          '<file>',
          'a receipt (JWS), a JSON array of them, a JSON answer of GET /api/consent-receipts, or the member’s receipts download or data export',
        )
        .option(
          '--jwks <file-or-url>',
          `the key set to check against (default: the issuer’s ${RECEIPT_KEYS_PATH}); a file keeps the check offline`,
        ),
    ),
    'openpdx receipt verify receipts.json --jwks consent-receipt-keys.json',
    'openpdx receipt verify receipt.jws --json',
  ).action(async (file: string, opts: { jwks?: string; json?: boolean }) => {
    const list = receiptsIn(readText(file, 'receipts'));
    if (list.length === 0) throw new ValidationError(`No receipt found in ${file}.`);
    const jwks = await keySet(opts.jwks, () => `${issuerOf(list[0]!)}${RECEIPT_KEYS_PATH}`);
    const result = await verifyReceipts(list, jwks);
    const summary = {
      ok: result.ok,
      receipts: list.length,
      verified: result.receipts.length,
      chains: [...new Set(result.receipts.map((r) => `${r.record.subject.con_id}@${r.record.processing.connection_nid}`))].length,
      problems: result.problems,
    };
    emit(rt, opts, summary, () =>
      result.ok
        ? `OK: ${summary.receipts} receipt${summary.receipts === 1 ? '' : 's'} in ${summary.chains} chain${summary.chains === 1 ? '' : 's'}, every signature and link verified.\n`
        : `${result.problems.map((p) => `- ${p}`).join('\n')}\n`,
    );
    if (!result.ok) throw new ReceiptsInvalid(result.problems.length);
  });
}

/** The JWS strings in whatever the file holds. */
function receiptsIn(text: string): string[] {
  const trimmed = text.trim();
  if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(trimmed)) return [trimmed];
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (err) {
    throw new ValidationError(`The receipts file is neither a JWS nor JSON: ${(err as Error).message}.`);
  }
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string' && v.split('.').length === 3) out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.receipt === 'string') out.push(o.receipt);
      else if (Array.isArray(o.receipts)) o.receipts.forEach(walk);
      else if (Array.isArray(o.consent_receipts)) o.consent_receipts.forEach(walk);
    }
  };
  walk(value);
  return out;
}

function issuerOf(jws: string): string {
  try {
    const iss = (JSON.parse(Buffer.from(jws.split('.')[1] ?? '', 'base64url').toString('utf8')) as { iss?: unknown }).iss;
    if (typeof iss === 'string' && /^https?:\/\//.test(iss)) return iss.replace(/\/+$/, '');
  } catch {
    // fall through
  }
  throw new ValidationError('The receipt names no issuer to fetch keys from: give the key set with --jwks.');
}
