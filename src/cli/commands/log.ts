/**
 * `openpdx log verify FILE [EARLIER…]`: checks a member's access log download offline
 * (docs/access-log.md): the hash chain entry by entry, and every signed checkpoint (in the file and
 * in earlier downloads, which may hold checkpoints since removed) against the entries. Needs no
 * database and no configuration.
 */
import type { Command } from 'commander';
import {
  ACCESS_LOG_FORMAT,
  ACCESS_LOG_KEYS_PATH,
  verifyAccessLog,
  type AccessLogDownload,
} from '../../access-log/access-log-format.ts';
import { AppError, ValidationError } from '../../errors.ts';
import { emit } from '../output.ts';
import { examples, withJson } from '../options.ts';
import type { CliRuntime } from '../runtime.ts';
import { keySet, readText } from '../signed-files.ts';

class AccessLogInvalid extends AppError {
  constructor(problems: number) {
    super(
      'access_log_invalid',
      422,
      `${problems} problem${problems === 1 ? '' : 's'} found: entries were removed, altered or moved after they were logged`,
    );
  }
}

export function registerLogCommands(program: Command, rt: CliRuntime): void {
  const log = program.command('log').description('the tamper-evident access log');
  examples(
    withJson(
      log
        .command('verify')
        .description(
          'check a member’s access log download: every entry’s hash, and every signed checkpoint against the entries (an entry removed, altered or moved shows)',
        )
        .argument('<file>', 'the download (/me/activity/download)')
        .argument('[earlier...]', 'earlier downloads of the same member, whose checkpoints are checked against <file> too')
        .option(
          '--jwks <file-or-url>',
          `the key set to check against (default: the issuer’s ${ACCESS_LOG_KEYS_PATH}); a file keeps the check offline`,
        ),
    ),
    'openpdx log verify access-log.json --jwks access-log-keys.json',
    'openpdx log verify access-log.json access-log-last-month.json',
  ).action(async (file: string, earlierFiles: string[], opts: { jwks?: string; json?: boolean }) => {
    const doc = download(file);
    const earlier = earlierFiles.map(download);
    for (const [i, e] of earlier.entries()) {
      if (e.member !== doc.member || e.issuer !== doc.issuer)
        throw new ValidationError(`${earlierFiles[i]} is the log of another member or server than ${file}.`);
    }
    const jwks = await keySet(opts.jwks, () => doc.keys || `${doc.issuer}${ACCESS_LOG_KEYS_PATH}`);
    const result = await verifyAccessLog(doc, jwks, earlier);
    const uncovered = result.entries - result.covered;
    const summary = {
      ok: result.ok,
      entries: result.entries,
      checkpoints_verified: result.checkpointsVerified,
      covered_by_checkpoint: result.covered,
      not_yet_checkpointed: uncovered,
      problems: result.problems,
    };
    emit(rt, opts, summary, () => {
      if (!result.ok) return `${result.problems.map((p) => `- ${p}`).join('\n')}\n`;
      const tail =
        uncovered > 0
          ? ` The last ${uncovered} entr${uncovered === 1 ? 'y was' : 'ies were'} logged after the newest checkpoint: download again in a minute to have ${uncovered === 1 ? 'it' : 'them'} signed.`
          : '';
      return `OK: ${result.entries} entr${result.entries === 1 ? 'y' : 'ies'}, every hash verified; ${result.checkpointsVerified} signed checkpoint${result.checkpointsVerified === 1 ? '' : 's'} match, covering ${result.covered}.${tail}\n`;
    });
    if (!result.ok) throw new AccessLogInvalid(result.problems.length);
  });
}

function download(path: string): AccessLogDownload {
  let value: unknown;
  try {
    value = JSON.parse(readText(path, 'access log'));
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new ValidationError(`${path} is not JSON: ${(err as Error).message}.`);
  }
  const doc = value as Partial<AccessLogDownload> | null;
  if (!doc || doc.format !== ACCESS_LOG_FORMAT || !Array.isArray(doc.entries) || !Array.isArray(doc.checkpoints)) {
    throw new ValidationError(`${path} is not an access log download (format ${ACCESS_LOG_FORMAT}, from /me/activity/download).`);
  }
  if (typeof doc.member !== 'number' || typeof doc.issuer !== 'string')
    throw new ValidationError(`${path} names no member or issuer.`);
  return doc as AccessLogDownload;
}
