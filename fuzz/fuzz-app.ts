/**
 * A running OpenPDX to fuzz, in this process: the test harness's app (SQLite in a temporary
 * folder, or a private schema when OPENPDX_TEST_DATABASE_URL is set), one subscriber holding every
 * scope the OpenAPI document names and every dataset the fuzzer writes to, and one consented
 * member. Requests go through Fastify's inject, so 100,000 of them take minutes, not hours.
 */
import { connectMember, createSubscriber, tokenFor } from '../test/fixtures.ts';
import { createTestApp, type TestApp } from '../test/harness.ts';
import { captureLogs } from '../test/log-capture.ts';
import type { FuzzContext, FuzzRequest, FuzzResponse } from './openapi-fuzz.ts';

export interface FuzzApp {
  app: TestApp;
  document: unknown;
  context: FuzzContext;
  send(req: FuzzRequest): Promise<FuzzResponse>;
  /** log lines at error level and above: a 500's cause, or a value the database refused */
  errors: string[];
  close(): Promise<void>;
}

const GRANTS = ['ds_personal_details:rw', 'ds_referrals:rw', 'ds_events:rw', 'ds_secure_messages:rw', 'ds_people:rw'];

export async function startFuzzApp(): Promise<FuzzApp> {
  const { logger, lines: errors } = captureLogs('error');
  const app = await createTestApp({ startWorkers: false, logger });
  const document = (await app.app.inject({ method: 'GET', url: '/openapi.json' })).json() as unknown;
  const scopes = scopesOf(document);
  const sub = await createSubscriber(app, GRANTS, scopes);
  const member = await connectMember(app.ctx, sub, 'fuzz.member');
  return {
    app,
    document,
    context: {
      accessToken: await tokenFor(app, sub.clientId, sub.clientSecret, scopes.join(' ')),
      clientId: sub.clientId,
      clientSecret: sub.clientSecret,
      uid: member.uid,
      nid: sub.nid,
      conId: member.conId,
      memberKey: member.key,
    },
    async send(req) {
      const res = await app.app.inject({
        method: req.method as 'GET',
        url: req.url,
        headers: req.headers,
        ...(req.payload === undefined ? {} : { payload: req.payload }),
      });
      return { status: res.statusCode, body: res.body };
    },
    errors,
    close: () => app.close(),
  };
}

/** Every OAuth scope any operation asks for: the fuzzer's token holds them all, to reach every handler. */
function scopesOf(doc: unknown): string[] {
  const scopes = new Set<string>();
  const paths = (doc as { paths: Record<string, Record<string, { security?: Record<string, string[]>[] }>> }).paths;
  for (const item of Object.values(paths))
    for (const op of Object.values(item)) for (const req of op.security ?? []) for (const s of req.oauth2 ?? []) scopes.add(s);
  return [...scopes].sort();
}
