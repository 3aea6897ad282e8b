import type { AppContext } from '../../src/app-context.ts';
import { parseGrantSpecs } from '../../src/connections/grant-spec.ts';
import { type ClientPrincipal } from '../../src/oauth/principal.ts';

export function principalOf(orgId: number): ClientPrincipal {
  return { clientId: 'x', orgId, scopes: new Set(['mydex:pdx']), jti: 'j', exp: 0 };
}

/** An organisation with one connection granting ds_personal_details:rw. */
export async function makeConnection(ctx: AppContext, orgName = 'Acme Health') {
  const { orgId } = await ctx.connections.createOrganisation(orgName);
  const { nid, token } = await ctx.connections.createConnection({
    orgId,
    callbackUrl: 'http://localhost:9999/callback',
    notifications: false,
    permissions: parseGrantSpecs(['ds_personal_details:rw'], ctx.catalogue),
  });
  return { orgId, nid, token };
}
