import type { Command } from 'commander';
import { AdminService } from '../../admin/admin-service.ts';
import { emit, fields, table, when, type OutputOptions } from '../output.ts';
import { examples, withJson } from '../options.ts';
import { withContext, type CliRuntime } from '../runtime.ts';

export function registerOrgCommands(admin: Command, rt: CliRuntime): void {
  const org = admin.command('org').description('subscriber organisations');

  examples(
    withJson(org.command('create').description('create a subscriber organisation')).requiredOption(
      '--name <name>',
      'the organisation name members see',
    ),
    'openpdx admin org create --name "Acme Health" --json',
  ).action((opts: OutputOptions & { name: string }) =>
    withContext(rt, async (ctx) => {
      const result = await new AdminService(ctx).createOrganisation(opts.name);
      emit(rt, opts, result, () => fields('Organisation created.', result));
    }),
  );

  examples(withJson(org.command('list').description('list organisations')), 'openpdx admin org list').action(
    (opts: OutputOptions) =>
      withContext(rt, async (ctx) => {
        const orgs = await new AdminService(ctx).listOrganisations();
        emit(rt, opts, orgs, () =>
          table(
            orgs.map((o) => ({ ...o, created: when(o.created_at) })),
            ['org_id', 'name', 'created'],
            'No organisations.',
          ),
        );
      }),
  );
}
