import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { AdminService } from '../../admin/admin-service.ts';
import type { AppContext } from '../../app-context.ts';
import { buildApp } from '../../app.ts';
import { listed, ValidationError } from '../../errors.ts';
import { OIDC_SCOPES } from '../../oidc/oidc-provider.ts';
import { didYouMean } from '../../pds/schema/closest-names.ts';
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
      .option('--public', 'no secret: a browser or native app, which must use PKCE (needs --redirect-uri)')
      .option(
        '--jwks <file>',
        'no secret: the client authenticates with private_key_jwt (RFC 7523), signing with a key of this JWK Set file (public keys only)',
      )
      .option(
        '--jwks-uri <url>',
        'no secret: as --jwks, with the JWK Set fetched from this https URL (the client can rotate keys there)',
      )
      .option(
        '--dpop',
        'every token is DPoP-bound (RFC 9449): token requests must carry a DPoP proof, and API calls a proof of the same key',
      ),
    'openpdx admin client create --org 1 --scope "mydex:pdx get:/api/pds/mam" --json',
    'openpdx admin client create --org 1 --scope mydex:pdx --jwks ./client-public-keys.json --json',
    'openpdx admin client create --org 1 --scope "openid mydexid" --redirect-uri https://app.example.org/callback --json',
  ).action(
    (
      opts: OutputOptions & {
        org: number;
        scope: string[];
        name?: string;
        redirectUri?: string[];
        public?: boolean;
        jwks?: string;
        jwksUri?: string;
        dpop?: boolean;
      },
    ) =>
      withContext(rt, async (ctx) => {
        const scopes = words(opts.scope);
        await refuseUnknownScopes(ctx, scopes);
        const jwks = opts.jwks === undefined ? undefined : readJwksFile(opts.jwks);
        const result = await new AdminService(ctx).createClient({
          orgId: opts.org,
          scopes,
          ...(opts.name !== undefined ? { name: opts.name } : {}),
          ...(opts.redirectUri ? { redirectUris: opts.redirectUri } : {}),
          ...(opts.public ? { publicClient: true } : {}),
          ...(jwks !== undefined ? { jwks } : {}),
          ...(opts.jwksUri !== undefined ? { jwksUri: opts.jwksUri } : {}),
          ...(opts.dpop ? { dpopBound: true } : {}),
        });
        emit(rt, opts, result, () =>
          fields(
            result.client_secret !== undefined
              ? 'Client created. The secret is shown only this once: keep it secret.'
              : opts.public
                ? 'Public client created: it has no secret, and signs members in with PKCE.'
                : 'Client created with no secret: it authenticates with private_key_jwt, a client_assertion JWT signed with one of its keys (docs/security.md, "Client authentication").',
            result,
          ),
        );
      }),
  );

  examples(
    withJson(client.command('scopes').description('list every scope a client may be given, with what it allows')),
    'openpdx admin client scopes',
    'openpdx admin client scopes --json',
  ).action((opts: OutputOptions) =>
    withContext(rt, async (ctx) => {
      const scopes = await grantableScopes(ctx);
      const list = [...scopes].map(([scope, description]) => ({ scope, description }));
      emit(rt, opts, list, () => table(list, ['scope', 'description'], 'No scopes.'));
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

const OIDC_SCOPE_DESCRIPTIONS: Record<(typeof OIDC_SCOPES)[number], string> = {
  openid: 'Sign members in with their MydexID (OpenID Connect; needs --redirect-uri)',
  mydexid: "Release the member's MydexID to the app at sign-in",
  offline_access: 'Refresh tokens for a signed-in member',
};

/**
 * Every scope a client may be given, with what it allows: those the API's operations name (read
 * from this build's OpenAPI document, so a new route's scope is known without a list to keep) and
 * the OpenID Connect ones.
 */
async function grantableScopes(ctx: AppContext): Promise<Map<string, string>> {
  const app = await buildApp(ctx);
  try {
    return new Map([...Object.entries(app.openapi.build().scopes), ...Object.entries(OIDC_SCOPE_DESCRIPTIONS)]);
  } finally {
    await app.close();
  }
}

/** A scope no route or sign-in uses would never be asked for usefully: refused, naming the valid ones. */
async function refuseUnknownScopes(ctx: AppContext, scopes: readonly string[]): Promise<void> {
  const known = await grantableScopes(ctx);
  const unknown = scopes.filter((s) => !known.has(s));
  if (!unknown.length) return;
  const umbrella = [...known.keys()].filter((s) => !s.includes(':/'));
  const routeScopes = known.size - umbrella.length;
  const hint = unknown.length === 1 ? didYouMean(unknown[0]!, known.keys()) : '';
  throw new ValidationError(
    `Unknown scope${unknown.length > 1 ? 's' : ''}`,
    `${listed(unknown, ' ')} ${unknown.length > 1 ? 'are not scopes' : 'is not a scope'} of this server.${hint} ` +
      `Valid scopes are ${umbrella.join(', ')}, and ${routeScopes} route scopes (<method>:<path>); ` +
      'openpdx admin client scopes lists them all.',
  );
}

/** The JSON of a JWK Set file, or a ValidationError naming the file and what is wrong with it. */
function readJwksFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ValidationError(
      `Cannot read the JWK Set file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ValidationError(`The JWK Set file ${path} is not JSON: ${(err as Error).message}.`);
  }
}
