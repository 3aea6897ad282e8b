/** /me/identities: the member's linked MyAccount and ScotAccount identities, with remove (+ confirmation). */
import { idName } from './branding.ts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ExternalIdentity } from '../idaas/external-identities.ts';
import { noticeFor } from './notices.ts';
import { refuseForm, sessionEnded } from './refusals.ts';
import { messagePage } from './views/auth-views.ts';
import { identitiesPage, removeIdentityPage } from './views/identity-views.ts';
import type { Web } from './web-context.ts';
import { wholeNumber } from '../ids.ts';

type Query = { Querystring: Record<string, unknown> };
type Params = { Params: { id: string } };

export function registerIdentityRoutes(app: FastifyInstance, web: Web): void {
  const { ctx } = web;

  /** The member's own mapping with this id; undefined for anyone else's or none. */
  async function ownIdentity(mydexid: string, raw: string): Promise<ExternalIdentity | undefined> {
    const id = wholeNumber(raw);
    if (id === undefined) return undefined;
    return (await ctx.idaas.identities.list({ mydexid })).find((i) => i.id === id);
  }

  app.get<Query>('/me/identities', async (req, reply) => {
    const me = await web.signedIn(req);
    if (!me) return web.toLogin(req, reply);
    const identities = await ctx.idaas.identities.list({ mydexid: me.member.mydexid });
    return web.send(reply, identitiesPage(await web.chrome(req), { identities, notice: noticeFor(req.query.done) }));
  });

  app.get<Params>('/me/identities/:id/remove', async (req, reply) => {
    const me = await web.signedIn(req);
    if (!me) return web.toLogin(req, reply);
    const identity = await ownIdentity(me.member.mydexid, req.params.id);
    if (!identity) return web.send(reply, await notLinked(req), 404);
    const csrf = await web.token(req, reply, `/me/identities/${identity.id}/remove`);
    return web.send(reply, removeIdentityPage(await web.chrome(req), { identity, csrf }));
  });

  app.post<Params>('/me/identities/:id/remove', async (req, reply) => {
    const me = await web.signedIn(req);
    if (!me) return sessionEnded(web, req, reply);
    if (!(await web.checkCsrf(req, web.readForm(req), true))) return refuseForm(web, req, reply, '/me/identities');
    const id = wholeNumber(req.params.id);
    if (id === undefined || !(await ctx.idaas.identities.removeForMember(me.member.mydexid, id))) {
      return web.send(reply, await notLinked(req), 404);
    }
    return web.redirect(reply, '/me/identities?done=identity-removed');
  });

  async function notLinked(req: FastifyRequest) {
    return messagePage(await web.chrome(req), {
      title: 'Linked account not found',
      paragraphs: [`No account with that number is linked to your ${idName()}. It may have been removed already.`],
      link: { href: '/me/identities', text: 'Back to your linked accounts' },
    });
  }
}
