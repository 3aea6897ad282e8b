import type { Command } from 'commander';
import { AdminService } from '../../admin/admin-service.ts';
import { emit, fields, type OutputOptions } from '../output.ts';
import { examples, wholeNumberOption, withJson } from '../options.ts';
import { withContext, type CliRuntime } from '../runtime.ts';

export function registerMemberCommands(admin: Command, rt: CliRuntime): void {
  const member = admin.command('member').description('members (for sandboxes and tests)');

  examples(
    withJson(member.command('create').description('create a member and their PDS'))
      .requiredOption('--mydexid <mydexid>', 'login name')
      .requiredOption('--email <email>', 'email address')
      .requiredOption('--password <password>', 'password (at least 8 characters)')
      .requiredOption('--private-key <key>', 'Private Key that encrypts the PDS (at least 8 characters)'),
    'openpdx admin member create --mydexid jo.bloggs --email jo@example.org --password "correct horse" --private-key "battery staple" --json',
  ).action((opts: OutputOptions & { mydexid: string; email: string; password: string; privateKey: string }) =>
    withContext(rt, async (ctx) => {
      const result = await new AdminService(ctx).createMember({
        mydexid: opts.mydexid,
        email: opts.email,
        password: opts.password,
        privateKey: opts.privateKey,
      });
      emit(rt, opts, result, () => fields('Member created.', result));
    }),
  );

  examples(
    withJson(admin.command('connect').description("consent a member to a connection's latest DSSA (sandbox only)"))
      .requiredOption('--mydexid <mydexid>', "the member's MydexID")
      .requiredOption('--nid <nid>', 'connection NID', wholeNumberOption)
      .requiredOption('--private-key <key>', "the member's Private Key"),
    'openpdx admin connect --mydexid jo.bloggs --nid 40000 --private-key "battery staple" --json',
  ).action((opts: OutputOptions & { mydexid: string; nid: number; privateKey: string }) =>
    withContext(rt, async (ctx) => {
      const result = await new AdminService(ctx).connectMember({
        mydexid: opts.mydexid,
        nid: opts.nid,
        privateKey: opts.privateKey,
      });
      emit(rt, opts, result, () => fields('Member connected. The member key is shown only this once.', result));
    }),
  );
}
