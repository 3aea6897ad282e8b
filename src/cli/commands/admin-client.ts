import type { Command } from 'commander';
import { AdminService } from '../../admin/admin-service.ts';
import { emit, fields, table, type OutputOptions } from '../output.ts';
import { examples, wholeNumberOption, withJson, words } from '../options.ts';
import { withContext, type CliRuntime } from '../runtime.ts';

export function registerClientCommands(admin: Command, rt: CliRuntime): void {
  const client = admin
    .command('client')
    .description('OAuth clients of organisations: client credentials, and signing members in (OpenID Connect)');

  examples(
    withJson(client.command('create').description('register an OAuth client for an organisation'))
      .requiredOption('--org <id>', 'owning organisation id', wholeNumberOption)
      .requiredOption(
        '--scope <scopes...>',
        'allowed scopes, space separated (mydex:pdx plus route scopes; openid and mydexid to sign members in)',
      )
      .option('--name <name>', 'client name (members see it when they sign in)')
      .option(
        '--redirect-uri <url>',
        'where signed-in members are sent back, exactly (repeat for several); without it the client only uses client credentials',
        (v: string, prev: string[] = []) => [...prev, v],
      )
      .option('--public', 'no secret: a browser or native app, which must use PKCE (needs --redirect-uri)'),
    'openpdx admin client create --org 1 --scope "mydex:pdx get:/api/pds/mam" --json',
    'openpdx admin client create --org 1 --scope "openid mydexid" --redirect-uri https://app.example.org/callback --json',
  ).action((opts: OutputOptions & { org: number; scope: string[]; name?: string; redirectUri?: string[]; public?: boolean }) =>
    withContext(rt, async (ctx) => {
      const result = await new AdminService(ctx).createClient({
        orgId: opts.org,
        scopes: words(opts.scope),
        ...(opts.name !== undefined ? { name: opts.name } : {}),
        ...(opts.redirectUri ? { redirectUris: opts.redirectUri } : {}),
        ...(opts.public ? { publicClient: true } : {}),
      });
      emit(rt, opts, result, () =>
        fields(
          result.client_secret === undefined
            ? 'Public client created: it has no secret, and signs members in with PKCE.'
            : 'Client created. The secret is shown only this once: keep it secret.',
          result,
        ),
      );
    }),
  );

  examples(
    withJson(client.command('rotate-secret').description('give a client a new secret'))
      .requiredOption('--client <id>', 'client id')
      .option('--grace <seconds>', 'how long the old secret keeps working (default 0)', wholeNumberOption),
    'openpdx admin client rotate-secret --client 0b6c…-… --grace 3600 --json',
  ).action((opts: OutputOptions & { client: string; grace?: number }) =>
    withContext(rt, async (ctx) => {
      const result = await new AdminService(ctx).rotateClientSecret(opts.client, opts.grace);
      emit(rt, opts, result, () => fields('Secret rotated. The new secret is shown only this once.', result));
    }),
  );

  examples(
    withJson(client.command('disable').description('disable a client: no new tokens, outstanding tokens refused')).requiredOption(
      '--client <id>',
      'client id',
    ),
    'openpdx admin client disable --client 0b6c…-… --json',
  ).action((opts: OutputOptions & { client: string }) =>
    withContext(rt, async (ctx) => {
      const result = await new AdminService(ctx).disableClient(opts.client);
      emit(rt, opts, result, () => `Client ${result.client_id} disabled.\n`);
    }),
  );

  examples(
    withJson(client.command('list').description('list OAuth clients')).option(
      '--org <id>',
      'only this organisation',
      wholeNumberOption,
    ),
    'openpdx admin client list',
  ).action((opts: OutputOptions & { org?: number }) =>
    withContext(rt, async (ctx) => {
      const list = await new AdminService(ctx).listClients(opts.org);
      emit(rt, opts, list, () => table(list, ['client_id', 'org_id', 'name', 'scopes', 'disabled'], 'No clients.'));
    }),
  );
}
