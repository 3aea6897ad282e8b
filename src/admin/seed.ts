/**
 * The sandbox's demo data (contract §1): one subscriber organisation with a connection, an OAuth
 * client and two connected members. Secrets go to stdout and a 0600 file, never to the log.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppContext } from '../app-context.ts';
import type { Config } from '../config/config.ts';
import { PDX_SCOPE } from '../oauth/principal.ts';
import { AdminService } from './admin-service.ts';

const DEMO_ORGANISATION = 'OpenPDX Demo Subscriber';
const DEMO_GRANTS = ['ds_personal_details:rw', 'ds_referrals:rw'] as const;
const DEMO_MEMBERS = ['demo.alice', 'demo.bob'] as const;

export interface SandboxMemberCredentials {
  uid: number;
  mydexid: string;
  email: string;
  password: string;
  private_key: string;
  con_id: string;
  key: string;
}

export interface SandboxCredentials {
  environment: 'sandbox';
  api_url: string;
  token_url: string;
  access_token_url: string;
  organisation: { org_id: number; name: string };
  client: { client_id: string; client_secret: string; scope: string };
  connection: { nid: number; token: string; callback_url: string; grants: string[] };
  members: SandboxMemberCredentials[];
}

export function sandboxCredentialsPath(config: Config): string {
  return join(config.dataDir, 'sandbox-credentials.json');
}

/** Seeds once: undefined when the demo organisation already exists. */
export async function seedSandbox(ctx: AppContext): Promise<SandboxCredentials | undefined> {
  if (ctx.config.env !== 'sandbox') throw new Error('the demo data is for sandboxes only');
  if (await ctx.connections.findOrganisationByName(DEMO_ORGANISATION)) return undefined;
  const admin = new AdminService(ctx);
  const base = ctx.config.publicUrl;
  const { org_id } = await admin.createOrganisation(DEMO_ORGANISATION);
  const callbackUrl = `${base}/dev/callback`;
  const connection = await admin.createConnection({
    orgId: org_id,
    name: 'OpenPDX demo connection',
    callbackUrl,
    notifications: true,
    grants: DEMO_GRANTS,
    purpose: 'Demonstrates the PDX API in the sandbox.',
    gdprStatement: 'Sandbox only: no real personal data.',
  });
  const client = await admin.createClient({ orgId: org_id, scopes: [PDX_SCOPE], name: 'OpenPDX demo client' });
  const members: SandboxMemberCredentials[] = [];
  for (const mydexid of DEMO_MEMBERS) {
    const password = demoSecret();
    const privateKey = demoSecret();
    const email = `${mydexid}@example.org`;
    await admin.createMember({ mydexid, email, password, privateKey });
    const { uid, con_id, key } = await admin.connectMember({ mydexid, nid: connection.nid, privateKey });
    members.push({ uid, mydexid, email, password, private_key: privateKey, con_id, key });
  }
  const credentials: SandboxCredentials = {
    environment: 'sandbox',
    api_url: base,
    token_url: `${base}/oauth2/token`,
    access_token_url: `${base}/access-token/${connection.nid}`,
    organisation: { org_id, name: DEMO_ORGANISATION },
    client: { ...client, scope: PDX_SCOPE },
    connection: { nid: connection.nid, token: connection.token, callback_url: callbackUrl, grants: [...DEMO_GRANTS] },
    members,
  };
  writeCredentialsFile(sandboxCredentialsPath(ctx.config), credentials);
  return credentials;
}

/** Hex, so it never starts with "-" when pasted into a command line. */
function demoSecret(): string {
  return randomBytes(12).toString('hex');
}

function writeCredentialsFile(path: string, credentials: SandboxCredentials): void {
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  // `mode` applies only when the file is created; a leftover file is tightened too.
  chmodSync(path, 0o600);
}

/** The human-readable summary `openpdx start` prints. */
export function formatSandboxCredentials(c: SandboxCredentials, file: string): string {
  const lines = [
    'Sandbox demo data (no real personal data):',
    `  API base URL        ${c.api_url}`,
    `  OAuth token URL     ${c.token_url}`,
    `  client_id           ${c.client.client_id}`,
    `  client_secret       ${c.client.client_secret}`,
    `  scope               ${c.client.scope}`,
    `  organisation        ${c.organisation.name} (org_id ${c.organisation.org_id})`,
    `  connection NID      ${c.connection.nid}`,
    `  connection token    ${c.connection.token}`,
    `  callback URL        ${c.connection.callback_url}`,
    `  grants              ${c.connection.grants.join(', ')}`,
  ];
  for (const m of c.members) {
    lines.push(
      `  member ${m.mydexid}`,
      `    uid               ${m.uid}`,
      `    email             ${m.email}`,
      `    password          ${m.password}`,
      `    private key       ${m.private_key}`,
      `    con_id            ${m.con_id}`,
      `    member key        ${m.key}`,
    );
  }
  lines.push(`  saved to ${file} (mode 0600)`);
  return `${lines.join('\n')}\n`;
}
