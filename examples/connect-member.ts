/**
 * Connects a new member to the sandbox's demo connection, then writes and reads their data: the
 * whole journey a subscriber makes, with nothing but fetch and node:crypto.
 *
 *   npx tsx examples/connect-member.ts [mydexid]
 *
 * Reads the sandbox's credentials file (`OPENPDX_CREDENTIALS`, default
 * data/sandbox-credentials.json, written by `npm start`). Prints a registration link: open it in a
 * browser and complete it as the member. The member key then arrives at the connection's callback,
 * which in the sandbox is OpenPDX's own /dev/callback; a real subscriber receives it at its own URL.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

interface Credentials {
  api_url: string;
  client: { client_id: string; client_secret: string; scope: string };
  connection: { nid: number; token: string };
}

const credentialsFile = process.env.OPENPDX_CREDENTIALS ?? 'data/sandbox-credentials.json';
const creds = JSON.parse(readFileSync(credentialsFile, 'utf8')) as Credentials;
const api = creds.api_url;
const nid = creds.connection.nid;
const connectionToken = creds.connection.token;
const mydexid = process.argv[2] ?? `newcomer-${randomBytes(3).toString('hex')}`;
const sha512 = (text: string) => createHash('sha512').update(text).digest('hex');

/** Every call: on anything but the expected status, stop with what the server said. */
async function call<T>(step: string, url: string, init: RequestInit = {}, expected = 200): Promise<T> {
  const res = await fetch(url, init);
  const text = await res.text();
  if (res.status !== expected) {
    const challenge = res.headers.get('www-authenticate');
    throw new Error(`${step}: HTTP ${res.status} ${text}${challenge ? `\n  WWW-Authenticate: ${challenge}` : ''}`);
  }
  return JSON.parse(text) as T;
}

// 1. An access token (client credentials, HTTP Basic).
const basic = Buffer.from(`${creds.client.client_id}:${creds.client.client_secret}`).toString('base64');
const token = await call<{ access_token: string; expires_in: number }>('1. token', `${api}/oauth2/token`, {
  method: 'POST',
  headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ grant_type: 'client_credentials', scope: creds.client.scope }),
});
console.log(`1. Access token: ok (expires in ${token.expires_in} s)`);

// 2. A short access token for the connection: one call, five minutes.
const sat = await call<string>('2. short access token', `${api}/access-token/${nid}`);
console.log(`2. Short access token for connection ${nid}: ok`);

// 3. Register the member: the four connection credentials, and the member's details.
const link = await call<string>('3. registration', `${api}/api/pds`, {
  method: 'POST',
  headers: {
    authorization: `Bearer ${token.access_token}`,
    'short-access-token': sat,
    authentication: sha512(sat + connectionToken),
    'content-type': 'application/json',
  },
  body: JSON.stringify({
    mydexid,
    email: `${mydexid}@example.org`,
    password: randomBytes(9).toString('base64url'), // the member chooses their own on the link page
    connection_nid: nid,
    connection_token_hash: sha512(connectionToken),
    return_to: `${api}/`,
  }),
});
console.log(`3. Registration link for ${mydexid} (open it in a browser and complete it as the member):\n   ${link}`);

// 4. Wait for the consent callback. The sandbox keeps what its /dev/callback received.
interface Callback {
  method: string;
  body: { mydexid?: string; uid?: string; key?: string; connection_id?: string };
}
console.log(`4. Waiting for the member's consent (the callback, shown at ${api}/dev/callbacks) …`);
let consent: Callback['body'] | undefined;
for (let waited = 0; !consent; waited++) {
  if (waited === 600) throw new Error('4. No consent callback after 10 minutes: was the link completed?');
  const received = await call<Callback[]>('4. callbacks', `${api}/dev/callbacks`);
  consent = received.find((c) => c.method === 'POST' && c.body.mydexid === mydexid)?.body;
  if (!consent) await new Promise((r) => setTimeout(r, 1000));
}
const { uid, key, connection_id: conId } = consent as Required<Callback['body']>;
console.log(`   Member ${uid} consented: con_id ${conId}, member key received`);

// 5. Write, then read, a metadata dataset with the member's key.
const dataUrl = (extra: string) =>
  `${api}/api/pds/pds/${uid}.json?${new URLSearchParams({ key, con_id: conId, source_type: 'connection', dataset: 'ds_personal_details' })}${extra}`;
const bearer = { authorization: `Bearer ${token.access_token}` };
const written = await call<{ success: number }>('5. write', dataUrl('&instance=0'), {
  method: 'POST',
  headers: { ...bearer, 'content-type': 'application/json' },
  body: JSON.stringify({ ds_personal_details: { field_personal_fname: 'Ada' } }),
});
console.log(`5. Wrote ds_personal_details: ${JSON.stringify(written)}`);
type Metadata = { ds_personal_details: { instance_0: Record<string, { value: unknown }> } };
const read = await call<Metadata>('6. read', dataUrl('&instance=0'), { headers: bearer });
const fname = read.ds_personal_details.instance_0.field_personal_fname?.value;
console.log(`6. Read back: field_personal_fname = ${JSON.stringify(fname)}`);
