/** The `openpdx` command line: builds the commander program and maps failures to exit codes. */
import { Command, CommanderError } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { ConfigError } from '../config/config.ts';
import { AppError } from '../errors.ts';
import { registerClientCommands } from './commands/admin-client.ts';
import { registerConnectionCommands } from './commands/admin-connection.ts';
import { registerDeliveryCommands } from './commands/admin-deliveries.ts';
import { registerIdentityCommands } from './commands/admin-identity.ts';
import { registerKeyCommands } from './commands/admin-keys.ts';
import { registerMemberCommands } from './commands/admin-member.ts';
import { registerOrgCommands } from './commands/admin-org.ts';
import { registerConfigCommands } from './commands/config.ts';
import { registerDbCommands } from './commands/db.ts';
import { registerReceiptCommands } from './commands/receipt.ts';
import { registerLogCommands } from './commands/log.ts';
import { registerStartCommand } from './commands/start.ts';
import { examples } from './options.ts';
import type { CliRuntime } from './runtime.ts';

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

export function buildProgram(rt: CliRuntime, json = false): Command {
  // Settings made here are inherited by every subcommand created below.
  const program = new Command('openpdx')
    .description(
      'OpenPDX: a self-hostable Personal Data eXchange, wire-compatible with the Mydex PDX API.\nConfiguration comes from OPENPDX_* environment variables (see `openpdx config docs`).',
    )
    .version(pkg.version, '-V, --version', 'print the OpenPDX version')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => rt.io.out(s),
      writeErr: (s) => rt.io.err(s),
      // With --json, a usage error is reported once, as JSON, by `report`.
      ...(json ? { outputError: () => undefined } : {}),
    })
    .showHelpAfterError(json ? false : '(add --help for usage)');
  examples(program, 'openpdx start', 'openpdx admin org create --name "Acme Health" --json');

  registerStartCommand(program, rt);
  const admin = examples(
    program.command('admin').description('operator tasks: organisations, connections, OAuth clients, members, keys, deliveries'),
    'openpdx admin connection list',
  );
  registerOrgCommands(admin, rt);
  registerConnectionCommands(admin, rt);
  registerClientCommands(admin, rt);
  registerMemberCommands(admin, rt);
  registerKeyCommands(admin, rt);
  registerDeliveryCommands(admin, rt);
  registerIdentityCommands(admin, rt);
  registerDbCommands(program, rt);
  registerConfigCommands(program, rt);
  registerReceiptCommands(program, rt);
  registerLogCommands(program, rt);
  return program;
}

/** Runs one command line (without the `node openpdx` prefix) and returns the exit code. */
export async function runCli(argv: readonly string[], rt: CliRuntime): Promise<number> {
  const json = argv.includes('--json');
  try {
    await buildProgram(rt, json).parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (err) {
    return report(err, rt, json);
  }
}

/**
 * A failure on stderr, with its exit code. With --json it is one line of JSON,
 * `{"error":{"code","message","reason"?}}`, and stdout stays empty; without, readable text.
 */
function report(err: unknown, rt: CliRuntime, json: boolean): number {
  const writeJson = (error: { code: string; message: string; reason?: string }) => rt.io.err(`${JSON.stringify({ error })}\n`);
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT_OK;
    if (err.code === 'commander.help') return err.exitCode;
    // Commander has printed the usage message itself, unless --json silenced it (buildProgram).
    if (json) writeJson({ code: 'usage', message: err.message.replace(/^error: /, '') });
    return EXIT_USAGE;
  }
  const failure =
    err instanceof ConfigError
      ? { code: 'config', message: err.message }
      : err instanceof AppError
        ? { code: err.code, message: err.message, ...(err.reason ? { reason: err.reason } : {}) }
        : { code: 'internal', message: err instanceof Error ? err.message : String(err) };
  if (json) {
    writeJson(failure);
    return EXIT_FAILURE;
  }
  // The operator sees the reason too: this is their own server, not an API client.
  if (err instanceof ConfigError) rt.io.err(`${err.message}\n`);
  else rt.io.err(`error: ${failure.message}${failure.reason ? `: ${failure.reason}` : ''}\n`);
  if (rt.io.env.OPENPDX_DEBUG === '1' && err instanceof Error && err.stack) rt.io.err(`${err.stack}\n`);
  return EXIT_FAILURE;
}
