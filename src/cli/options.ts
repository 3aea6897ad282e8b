import { InvalidArgumentError, type Command } from 'commander';
import { MAX_ID, wholeNumber } from '../ids.ts';

/** Parses a whole-number option; commander reports a bad value as a usage error (exit 2). */
export function wholeNumberOption(value: string): number {
  const n = wholeNumber(value);
  if (n === undefined) throw new InvalidArgumentError(`expected a whole number from 0 to ${MAX_ID}.`);
  return n;
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
