/**
 * /me (overview), /me/connections (+ revoke, + the consent receipts' download), /me/activity (+ the
 * access log's download with its signed checkpoints) and /me/account.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { noticeFor } from './notices.ts';
import { refuseForm, sessionEnded } from './refusals.ts';
import { messagePage } from './views/auth-views.ts';
import { accountPage, activityPage, connectionsPage, overviewPage, revokePage } from './views/dashboard-views.ts';
import type { Web } from './web-context.ts';
import { wholeNumber } from '../ids.ts';
import { RECEIPT_KEYS_PATH } from '../receipts/receipt-format.ts';

const ACTIVITY_PAGE_SIZE = 50;
/** AccountService.accessLog reads at most 1000 entries per call; pages beyond stay reachable by offset. */
const MAX_ACTIVITY_PAGE = 10_000;

type Query = { Querystring: Record<string, unknown> };

export function registerDashboardRoutes(app: FastifyInstance, web: Web): void {
  const { ctx } = web;

  app.get<Query>('/me', async (req, reply) => {
    const me = await web.signedIn(req);
    if (!me) return web.toLogin(req, reply);
    const [connections, recent] = await Promise.all([
      ctx.accounts.connections(me.member.uid),
      ctx.accounts.accessLog(me.member.uid, 5, 0),
    ]);
    const view = { catalogue: ctx.catalogue, member: me.member, connections, recent, notice: noticeFor(req.query.done) };
    return web.send(reply, overviewPage(await web.chrome(req), view));
  });

  app.get<Query>('/me/connections', async (req, reply) => {
    const me = await web.signedIn(req);
    if (!me) return web.toLogin(req, reply);
    const connections = await ctx.accounts.connections(me.member.uid);
    const view = { catalogue: ctx.catalogue, connections, notice: noticeFor(req.query.done) };
    return web.send(reply, connectionsPage(await web.chrome(req), view));
  });

  app.get<{ Params: { nid: string } }>('/me/connections/:nid/revoke', async (req, reply) => {
    const me = await web.signedIn(req);
    if (!me) return web.toLogin(req, reply);
    const connection = (await ctx.accounts.connections(me.member.uid)).find((c) => String(c.nid) === req.params.nid);
    if (!connection) return web.send(reply, await notConnected(req), 404);
    const csrf = await web.token(req, reply, `/me/connections/${connection.nid}/revoke`);
    return web.send(reply, revokePage(await web.chrome(req), { connection, csrf }));
  });

  app.post<{ Params: { nid: string } }>('/me/connections/:nid/revoke', async (req, reply) => {
    const me = await web.signedIn(req);
    if (!me) return sessionEnded(web, req, reply);
    if (!(await web.checkCsrf(req, web.readForm(req), true))) return refuseForm(web, req, reply, '/me/connections');
    const nid = wholeNumber(req.params.nid, 1);
    if (nid === undefined || !(await ctx.members.grants.revoke(me.member.uid, nid))) {
      return web.send(reply, await notConnected(req), 404);
    }
    return web.redirect(reply, '/me/connections?done=revoked');
  });

  app.get<Query>('/me/activity', async (req, reply) => {
    const me = await web.signedIn(req);
    if (!me) return web.toLogin(req, reply);
    const raw = typeof req.query.page === 'string' && /^\d{1,5}$/.test(req.query.page) ? Number(req.query.page) : 1;
    const pageNo = Math.min(Math.max(raw, 1), MAX_ACTIVITY_PAGE);
    // One extra entry tells whether an older page exists.
    const rows = await ctx.accounts.accessLog(me.member.uid, ACTIVITY_PAGE_SIZE + 1, (pageNo - 1) * ACTIVITY_PAGE_SIZE);
    const view = {
      catalogue: ctx.catalogue,
      entries: rows.slice(0, ACTIVITY_PAGE_SIZE),
      page: pageNo,
      hasNext: rows.length > ACTIVITY_PAGE_SIZE,
    };
    return web.send(reply, activityPage(await web.chrome(req), view));
  });

  // The member's signed records, as files to keep and check with `openpdx receipt verify` and
  // `openpdx log verify` (docs/consent-receipts.md, docs/access-log.md).
  app.get('/me/connections/receipts', async (req, reply) => {
    const me = await web.signedIn(req);
    if (!me) return web.toLogin(req, reply);
    const receipts = await ctx.receipts.ofMember(me.member.uid);
    const body = {
      issuer: ctx.config.issuer,
      keys: `${ctx.config.issuer}${RECEIPT_KEYS_PATH}`,
      receipts: receipts.map((r) => ({ id: r.id, nid: r.nid, sequence: r.sequence, event: r.event, receipt: r.jws })),
    };
    return attachment(reply, 'consent-receipts.json').send(JSON.stringify(body, null, 2));
  });

  app.get('/me/activity/download', async (req, reply) => {
    const me = await web.signedIn(req);
    if (!me) return web.toLogin(req, reply);
    return attachment(reply, 'access-log.json').send(Readable.from(ctx.accessLog.download(me.member.uid)));
  });

  app.get<Query>('/me/account', async (req, reply) => {
    if (!(await web.signedIn(req))) return web.toLogin(req, reply);
    return web.send(reply, accountPage(await web.chrome(req), { notice: noticeFor(req.query.done) }));
  });

  function attachment(reply: FastifyReply, filename: string): FastifyReply {
    return reply
      .type('application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="${filename}"`)
      .header('cache-control', 'no-store');
  }

  async function notConnected(req: FastifyRequest) {
    return messagePage(await web.chrome(req), {
      title: 'Connection not found',
      paragraphs: ['You have no connection with that number. It may have been removed already.'],
      link: { href: '/me/connections', text: 'Back to your connections' },
    });
  }
}
