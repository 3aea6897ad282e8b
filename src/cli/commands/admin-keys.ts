import type { Command } from 'commander';
import { AdminService } from '../../admin/admin-service.ts';
import { emit, type OutputOptions } from '../output.ts';
import { examples, withJson } from '../options.ts';
import { withContext, type CliRuntime } from '../runtime.ts';

export function registerKeyCommands(admin: Command, rt: CliRuntime): void {
  const keys = admin.command('keys').description('access token signing keys');
  examples(
    withJson(
      keys
        .command('rotate')
        .description('start signing with a new key; the previous one stays published until its tokens expire'),
    ),
    'openpdx admin keys rotate --json',
  ).action((opts: OutputOptions) =>
    withContext(rt, async (ctx) => {
      const result = await new AdminService(ctx).rotateSigningKeys();
      emit(rt, opts, result, () => `New signing key ${result.kid}.\n`);
    }),
  );
}
