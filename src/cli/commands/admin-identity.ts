import type { Command } from 'commander';
import { PROVIDERS } from '../../idaas/external-identities.ts';
import { emit, fields, table, when, type OutputOptions } from '../output.ts';
import { examples, withJson } from '../options.ts';
import { withContext, type CliRuntime } from '../runtime.ts';

interface IdentityOptions extends OutputOptions {
  provider: string;
  id: string;
}

/** External identities (MyAccount, ScotAccount) mapped to MydexIDs: what the IDaaS account lookups answer from. */
export function registerIdentityCommands(admin: Command, rt: CliRuntime): void {
  const identity = admin.command('identity').description('MyAccount and ScotAccount identities mapped to MydexIDs');
  const providers = PROVIDERS.join('|');

  examples(
    withJson(identity.command('map').description('map an external identity to a member'))
      .requiredOption('--provider <provider>', providers)
      .requiredOption('--id <id>', 'the MyAccount SVT or the ScotAccount sub (a GUID)')
      .requiredOption('--mydexid <mydexid>', "the member's MydexID"),
    'openpdx admin identity map --provider scotaccount --id 123e4567-e89b-12d3-a456-426614174000 --mydexid jo.bloggs --json',
  ).action((opts: IdentityOptions & { mydexid: string }) =>
    withContext(rt, async (ctx) => {
      const result = await ctx.idaas.identities.map({ provider: opts.provider, externalId: opts.id, mydexid: opts.mydexid });
      emit(rt, opts, result, () => fields('Identity mapped.', { ...result, created_at: when(result.created_at) }));
    }),
  );

  examples(
    withJson(identity.command('list').description('list mapped identities')).option(
      '--mydexid <mydexid>',
      "only this member's identities",
    ),
    'openpdx admin identity list --mydexid jo.bloggs',
  ).action((opts: OutputOptions & { mydexid?: string }) =>
    withContext(rt, async (ctx) => {
      const rows = await ctx.idaas.identities.list(opts.mydexid === undefined ? {} : { mydexid: opts.mydexid });
      emit(rt, opts, rows, () =>
        table(
          rows.map((r) => ({ ...r, created: when(r.created_at) })),
          ['provider', 'external_id', 'mydexid', 'created'],
          'No identities mapped.',
        ),
      );
    }),
  );

  examples(
    withJson(identity.command('unmap').description('remove the mapping of an external identity'))
      .requiredOption('--provider <provider>', providers)
      .requiredOption('--id <id>', 'the MyAccount SVT or the ScotAccount sub'),
    'openpdx admin identity unmap --provider myaccount --id abc123xyz456',
  ).action((opts: IdentityOptions) =>
    withContext(rt, async (ctx) => {
      const result = { ...(await ctx.idaas.identities.unmap({ provider: opts.provider, externalId: opts.id })), removed: true };
      emit(rt, opts, result, () => 'Identity unmapped.\n');
    }),
  );
}
