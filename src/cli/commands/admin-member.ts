import type { Command } from 'commander';
import { AdminService, MAX_MEMBER_PAGE } from '../../admin/admin-service.ts';
import { emit, fields, table, when, type OutputOptions } from '../output.ts';
import { examples, wholeNumberOption, withJson } from '../options.ts';
import { withContext, type CliRuntime } from '../runtime.ts';

export function registerMemberCommands(admin: Command, rt: CliRuntime): void {
  const member = admin.command('member').description('members: create (sandboxes and tests), list and show');

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
    withJson(member.command('list').description('list members in uid order, a page at a time'))
      .option('--after <uid>', 'start after this uid (the last uid of the previous page)', wholeNumberOption)
      .option('--limit <n>', `members per page, 1 to ${MAX_MEMBER_PAGE} (default 100)`, wholeNumberOption),
    'openpdx admin member list',
    'openpdx admin member list --after 1200 --limit 500 --json',
  ).action((opts: OutputOptions & { after?: number; limit?: number }) =>
    withContext(rt, async (ctx) => {
      const list = await new AdminService(ctx).listMembers(opts.after, opts.limit);
      emit(rt, opts, list, () => {
        const rows = list.map((m) => ({ ...m, created_at: when(m.created_at) }));
        const more = list.length === (opts.limit ?? 100) ? `Next page: --after ${list.at(-1)!.uid}\n` : '';
        return table(rows, ['uid', 'mydexid', 'email', 'created_at'], 'No members.') + more;
      });
    }),
  );

  examples(
    withJson(
      member.command('show').description('one member and their active connections (never their data, which needs their keys)'),
    )
      .option('--uid <uid>', "the member's uid", wholeNumberOption)
      .option('--mydexid <mydexid>', "the member's MydexID"),
    'openpdx admin member show --mydexid demo.alice',
    'openpdx admin member show --uid 1 --json',
  ).action((opts: OutputOptions & { uid?: number; mydexid?: string }) =>
    withContext(rt, async (ctx) => {
      const m = await new AdminService(ctx).showMember({
        ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
        ...(opts.mydexid !== undefined ? { mydexid: opts.mydexid } : {}),
      });
      emit(rt, opts, m, () => {
        const head = fields(`Member ${m.uid}`, { mydexid: m.mydexid, email: m.email, created_at: when(m.created_at) });
        const rows = m.connections.map((c) => ({
          ...c,
          since: when(c.since),
          last_read: c.last_read === null ? null : when(c.last_read),
          last_change: c.last_change === null ? null : when(c.last_change),
        }));
        const cols = ['nid', 'con_id', 'subscriber', 'dssa_version', 'since', 'last_read', 'last_change'] as const;
        return `${head}\nConnections:\n${table(rows, cols, 'No active connections.')}`;
      });
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
