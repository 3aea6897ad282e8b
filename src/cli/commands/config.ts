import { InvalidArgumentError, type Command } from 'commander';
import { configDocs } from '../../config/config.ts';
import { MasterKeyRing } from '../../crypto/master-key.ts';
import { examples } from '../options.ts';
import type { CliRuntime } from '../runtime.ts';

export function registerConfigCommands(program: Command, rt: CliRuntime): void {
  const config = program.command('config').description('configuration');
  examples(
    config.command('docs').description('print the configuration reference (Markdown) generated from the schema'),
    'openpdx config docs > docs/configuration.md',
  ).action(() => {
    rt.io.out(configDocs());
  });
  examples(
    config
      .command('master-key')
      .description(
        'print a new random master key for OPENPDX_MASTER_KEY ("<key id>:<base64 of 32 bytes>"); keep it secret, outside the database and its backups',
      )
      .option('--id <key id>', 'the key id (letters, digits, _ and -); default: mk<time>', keyId),
    'openpdx config master-key',
    'openpdx config master-key --id mk2026',
  ).action((opts: { id?: string }) => {
    rt.io.out(`${MasterKeyRing.generateSpec(opts.id)}\n`);
  });
}

function keyId(value: string): string {
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(value)) throw new InvalidArgumentError('1 to 32 letters, digits, _ or -.');
  return value;
}
