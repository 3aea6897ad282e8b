/** A subscriber with a connection, an OAuth client and connected members, made through the services. */
import type { AppContext } from '../src/app-context.ts';
import { parseGrantSpecs } from '../src/connections/grant-spec.ts';
import type { TestApp } from './harness.ts';

export interface Subscriber {
  orgId: number;
  nid: number;
  connectionToken: string;
  clientId: string;
  clientSecret: string;
  accessToken: string;
}

export interface ConnectedMember {
  uid: number;
  mydexid: string;
  password: string;
  privateKey: string;
  conId: string;
  key: string;
}

let counter = 0;

export async function createSubscriber(
  t: TestApp,
  grants: string[] = ['ds_personal_details:rw', 'ds_referrals:rw'],
  scopes: string[] = ['mydex:pdx'],
): Promise<Subscriber> {
  const ctx = t.ctx;
  const { orgId } = await ctx.connections.createOrganisation(`Org ${++counter}`);
  const { nid, token } = await ctx.connections.createConnection({
    orgId,
    callbackUrl: 'http://127.0.0.1:9/callback',
    notifications: false,
    permissions: parseGrantSpecs(grants, ctx.catalogue),
  });
  const { clientId, clientSecret } = await ctx.oauth.createClient({ orgId, scopes });
  const accessToken = await tokenFor(t, clientId, clientSecret, scopes.join(' '));
  return { orgId, nid, connectionToken: token, clientId, clientSecret, accessToken };
}

export async function tokenFor(t: TestApp, clientId: string, secret: string, scope = 'mydex:pdx'): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/oauth2/token',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`,
    },
    payload: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
  });
  if (res.statusCode !== 200) throw new Error(`token request failed: ${res.statusCode} ${res.body}`);
  return (res.json() as { access_token: string }).access_token;
}

export async function createMember(
  ctx: AppContext,
  name = `member${++counter}`,
): Promise<Omit<ConnectedMember, 'conId' | 'key'>> {
  const password = `pw-${name}-secret`;
  const privateKey = `pk-${name}-private`;
  const { uid } = await ctx.members.accounts.createMember({ mydexid: name, email: `${name}@example.org`, password, privateKey });
  return { uid, mydexid: name, password, privateKey };
}

export async function connectMember(ctx: AppContext, sub: Subscriber, name?: string): Promise<ConnectedMember> {
  const m = await createMember(ctx, name);
  const c = await ctx.members.grants.consent({ uid: m.uid, nid: sub.nid, privateKey: m.privateKey });
  return { ...m, conId: c.conId, key: c.memberKey };
}

export function bearer(sub: Subscriber): Record<string, string> {
  return { authorization: `Bearer ${sub.accessToken}` };
}
