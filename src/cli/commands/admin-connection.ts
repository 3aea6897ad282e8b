import type { Command } from 'commander';
import { AdminService } from '../../admin/admin-service.ts';
import { emit, fields, table, when, type OutputOptions } from '../output.ts';
import { examples, wholeNumberOption, withJson } from '../options.ts';
import { withContext, type CliRuntime } from '../runtime.ts';

const GRANT_HELP = 'dataset:rw (every field) or dataset:r:field1,field2; modes r, w, rw; repeatable';

interface CreateOptions extends OutputOptions {
  org: number;
  callback: string;
  notifications?: boolean;
  grant: string[];
  name?: string;
  purpose?: string;
  gdpr?: string;
}

export function registerConnectionCommands(admin: Command, rt: CliRuntime): void {
  const connection = admin.command('connection').description('dedicated connections and their DSSAs');

  examples(
    withJson(connection.command('create').description('create a dedicated connection (NID, connection token, DSSA version 1)'))
      .requiredOption('--org <id>', 'owning organisation id', wholeNumberOption)
      .requiredOption('--callback <url>', 'callback URL for consents and notifications (https in live)')
      .option('--notifications', 'POST change notifications to the callback')
      .requiredOption('--grant <spec...>', GRANT_HELP)
      .option('--name <name>', 'connection name')
      .option('--purpose <text>', 'purpose shown to members')
      .option('--gdpr <text>', 'GDPR statement shown to members'),
    'openpdx admin connection create --org 1 --callback https://acme.example/pdx/callback \\\n      --grant ds_personal_details:r:field_personal_fname,field_personal_faname --grant ds_referrals:rw --json',
  ).action((opts: CreateOptions) =>
    withContext(rt, async (ctx) => {
      const result = await new AdminService(ctx).createConnection({
        orgId: opts.org,
        callbackUrl: opts.callback,
        notifications: opts.notifications ?? false,
        grants: opts.grant,
        ...(opts.name !== undefined ? { name: opts.name } : {}),
        ...(opts.purpose !== undefined ? { purpose: opts.purpose } : {}),
        ...(opts.gdpr !== undefined ? { gdprStatement: opts.gdpr } : {}),
      });
      emit(rt, opts, result, () => fields('Connection created. The token is shown only this once: keep it secret.', result));
    }),
  );

  examples(
    withJson(connection.command('list').description('list dedicated connections')).option(
      '--org <id>',
      'only this organisation',
      wholeNumberOption,
    ),
    'openpdx admin connection list --org 1',
  ).action((opts: OutputOptions & { org?: number }) =>
    withContext(rt, async (ctx) => {
      const list = await new AdminService(ctx).listConnections(opts.org);
      emit(rt, opts, list, () =>
        table(list, ['nid', 'org_id', 'name', 'dssa_version', 'notifications', 'callback_url'], 'No connections.'),
      );
    }),
  );

  examples(
    withJson(
      connection.command('show').description('one connection: its DSSA versions and grants, its clients, its members'),
    ).requiredOption('--nid <nid>', 'connection NID', wholeNumberOption),
    'openpdx admin connection show --nid 40000',
  ).action((opts: OutputOptions & { nid: number }) =>
    withContext(rt, async (ctx) => {
      const c = await new AdminService(ctx).showConnection(opts.nid);
      emit(rt, opts, c, () => {
        const head = fields(`Connection ${c.nid}: ${c.name}`, {
          organisation: `${c.organisation} (${c.org_id})`,
          callback_url: c.callback_url,
          notifications: c.notifications,
          created_at: when(c.created_at),
          active_members: c.active_members,
        });
        const versions = c.dssa_versions.map((d) => ({ ...d, grants: d.grants.join(' '), created_at: when(d.created_at) }));
        return (
          `${head}\nDSSA versions (members consent to the latest):\n` +
          table(versions, ['version', 'created_at', 'grants', 'purpose'], 'No DSSA versions.') +
          `\nClients of the organisation:\n${table(c.clients, ['client_id', 'name', 'scopes', 'disabled'], 'No clients.')}`
        );
      });
    }),
  );

  examples(
    withJson(connection.command('dssa').description('publish a new DSSA version for a connection'))
      .requiredOption('--nid <nid>', 'connection NID', wholeNumberOption)
      .requiredOption('--grant <spec...>', GRANT_HELP)
      .option('--purpose <text>', 'purpose (default: the previous version’s)')
      .option('--gdpr <text>', 'GDPR statement (default: the previous version’s)'),
    'openpdx admin connection dssa --nid 40000 --grant ds_personal_details:rw ds_events:r --json',
  ).action((opts: OutputOptions & { nid: number; grant: string[]; purpose?: string; gdpr?: string }) =>
    withContext(rt, async (ctx) => {
      const result = await new AdminService(ctx).addDssaVersion({
        nid: opts.nid,
        grants: opts.grant,
        ...(opts.purpose !== undefined ? { purpose: opts.purpose } : {}),
        ...(opts.gdpr !== undefined ? { gdprStatement: opts.gdpr } : {}),
      });
      emit(rt, opts, result, () => fields(`DSSA version ${result.version} published for connection ${opts.nid}.`, result));
    }),
  );
}
