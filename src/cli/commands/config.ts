import type { Command } from 'commander';
import { configDocs } from '../../config/config.ts';
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
}
