/** Real HTTP receivers on 127.0.0.1 and a test app whose outbox is driven by hand. */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock } from '../../src/clock.ts';
import { parseGrantSpecs } from '../../src/connections/grant-spec.ts';
import { createTestApp, type TestApp, type TestAppOptions } from '../harness.ts';
import { createMember } from '../fixtures.ts';

export interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** What the receiver does with a request: answer, or hold it open until closed. */
export type Reply = { status: number; headers?: Record<string, string> } | 'hold';

export class Receiver {
  readonly requests: Received[] = [];
  reply: (req: Received) => Reply = () => ({ status: 200 });
  private held: ServerResponse[] = [];
  private waiters: (() => void)[] = [];

  private readonly server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => this.handle({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body }, res));
  });

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  static async start(port = 0): Promise<Receiver> {
    const receiver = new Receiver();
    await new Promise<void>((resolve) => receiver.server.listen(port, '127.0.0.1', resolve));
    return receiver;
  }

  /** A port on which nothing listens (connection refused), free to be listened on later. */
  static async freePort(): Promise<number> {
    const r = await Receiver.start();
    const port = r.port;
    await r.close();
    return port;
  }

  url(path = '/callback'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Resolves once `n` requests have arrived. */
  async waitFor(n: number): Promise<void> {
    while (this.requests.length < n) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private handle(req: Received, res: ServerResponse): void {
    this.requests.push(req);
    for (const w of this.waiters.splice(0)) w();
    const reply = this.reply(req);
    if (reply === 'hold') {
      this.held.push(res);
      return;
    }
    res.writeHead(reply.status, reply.headers).end('receiver body, never read');
  }

  async close(): Promise<void> {
    for (const res of this.held.splice(0)) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export const T0 = 1_700_000_000;

/** A test app on a ManualClock with its delivery worker stopped: tests call runOnce(). */
export async function manualOutboxApp(options: TestAppOptions = {}, start = T0): Promise<TestApp & { clock: ManualClock }> {
  const clock = new ManualClock(start);
  const t = await createTestApp({ clock, ...options });
  await t.ctx.outbox.stop();
  return Object.assign(t, { clock });
}

export async function connectionTo(
  t: TestApp,
  callbackUrl: string,
  grants: string[],
  notifications = false,
): Promise<{ nid: number; token: string }> {
  const { orgId } = await t.ctx.connections.createOrganisation(`Org for ${callbackUrl} ${grants.join(' ')}`);
  return t.ctx.connections.createConnection({
    orgId,
    callbackUrl,
    notifications,
    permissions: parseGrantSpecs(grants, t.ctx.catalogue),
  });
}

export async function consentedMember(t: TestApp, nids: number[], name?: string) {
  const m = await createMember(t.ctx, name);
  const keys: string[] = [];
  for (const nid of nids)
    keys.push((await t.ctx.members.grants.consent({ uid: m.uid, nid, privateKey: m.privateKey })).memberKey);
  return { ...m, keys };
}

export async function outboxRows(t: TestApp) {
  return t.ctx.db.selectFrom('outbox').selectAll().orderBy('id').execute();
}
