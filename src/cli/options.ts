import { InvalidArgumentError, type Command } from 'commander';

/** Parses a whole-number option; commander reports a bad value as a usage error (exit 2). */
export function wholeNumber(value: string): number {
  if (!/^\s*\d{1,15}\s*$/.test(value)) throw new InvalidArgumentError('expected a whole number.');
  return Number(value);
}

/** Variadic options may also carry several space-separated values in one argument. */
export function words(values: readonly string[]): string[] {
  return values.flatMap((v) => v.split(/\s+/)).filter(Boolean);
}

export function withJson(cmd: Command): Command {
  return cmd.option('--json', 'print the result as one line of JSON');
}

export function examples(cmd: Command, ...lines: string[]): Command {
  return cmd.addHelpText('after', `\nExample${lines.length > 1 ? 's' : ''}:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`);
}
