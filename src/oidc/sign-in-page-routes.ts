/**
 * The member's half of signing in to an app with their MydexID (docs/oidc.md), and `/me/apps`,
 * the apps they let sign them in, with remove. The provider
 * sends the browser to `/oauth2/interaction/:uid` whenever it needs the member to sign in or to
 * consent. Signing in is the member web app's own (`/login`, `/register` with `next=` back here:
 * the same password check, lock-outs and CSRF protection); consent is a page naming the
 * organisation and what the app will learn, remembered per app and scope.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Interaction, InteractionResults } from 'oidc-provider';
import { noticeFor } from '../web/notices.ts';
import { refuseForm, sessionEnded } from '../web/refusals.ts';
import { appsPage, continuePage, signInConsentPage, signInGonePage, type SignedInApp } from '../web/views/sign-in-views.ts';
import { COOKIE_OPTIONS, type Web } from '../web/web-context.ts';
import { INTERACTION_PATH } from './oidc-provider.ts';

type WithUid = FastifyRequest<{ Params: { uid: string } }>;

/** The sign-in (interaction uid) for which the member was sent to sign in again (prompt=login, max_age). */
const REAUTH_COOKIE = '__Host-openpdx_reauth';

export function registerSignInPageRoutes(app: FastifyInstance, web: Web): void {
  const { ctx } = web;
  const base = (req: WithUid) => `${INTERACTION_PATH}/${encodeURIComponent(req.params.uid)}`;

  /** The interaction the browser is in, or undefined when it has expired or is not this browser's. */
  async function interaction(req: FastifyRequest, reply: FastifyReply): Promise<Interaction | undefined> {
    try {
      return await ctx.oidc.provider().interactionDetails(req.raw, reply.raw);
    } catch {
      return undefined;
    }
  }

  /** Ends the interaction with `result` and sends the browser on to the provider (continuePage says why not a redirect). */
  async function finish(req: FastifyRequest, reply: FastifyReply, result: InteractionResults, merge: boolean) {
    const to = await ctx.oidc.provider().interactionResult(req.raw, reply.raw, result, { mergeWithLastSubmission: merge });
    return web.send(reply, continuePage(await web.chrome(req), to));
  }

  app.get<{ Params: { uid: string } }>(`${INTERACTION_PATH}/:uid`, async (req, reply) => {
    const details = await interaction(req, reply);
    if (!details || details.uid !== req.params.uid) return web.send(reply, signInGonePage(await web.chrome(req)), 400);
    const me = await web.signedIn(req);
    const here = base(req);
    if (details.prompt.name === 'login') {
      // prompt=login or max_age: the member signs in again, even with a session. The cookie says
      // we sent them to sign in for this very sign-in (their old session ended there).
      const forced = details.prompt.reasons.some((r) => r === 'login_prompt' || r === 'max_age');
      const signedInAgain = req.cookies[REAUTH_COOKIE] === details.uid;
      if (me && (!forced || signedInAgain)) {
        reply.clearCookie(REAUTH_COOKIE, COOKIE_OPTIONS);
        // amr (RFC 8176): members sign in with their password, the only way in ("pwd").
        const login = { accountId: String(me.member.uid), ts: me.session.createdAt, amr: ['pwd'] };
        return finish(req, reply, { login }, false);
      }
      if (me) await web.endSession(req, reply);
      if (forced) reply.setCookie(REAUTH_COOKIE, details.uid, COOKIE_OPTIONS);
      const page = details.params.action === 'register' ? '/register' : '/login';
      return web.redirect(reply, `${page}?next=${encodeURIComponent(here).replace(/%2F/g, '/')}`);
    }
    // Consent: only the member the provider signed in may give it.
    if (!me || String(me.member.uid) !== details.session?.accountId) return web.toLogin(req, reply);
    const client = await ctx.oidc.signInClient(String(details.params.client_id));
    if (!client) return web.send(reply, signInGonePage(await web.chrome(req)), 400);
    const scopes = consentScopes(details);
    return web.send(
      reply,
      signInConsentPage(await web.chrome(req), {
        organisation: client.organisation,
        app: client.name,
        scopes,
        approve: { action: `${here}/consent`, csrf: await web.token(req, reply, `${here}/consent`) },
        deny: { action: `${here}/deny`, csrf: await web.token(req, reply, `${here}/deny`) },
      }),
    );
  });

  app.post<{ Params: { uid: string } }>(`${INTERACTION_PATH}/:uid/consent`, async (req, reply) => {
    if (!(await web.checkCsrf(req, web.readForm(req), true))) return refuseForm(web, req, reply, base(req));
    const details = await interaction(req, reply);
    const me = await web.signedIn(req);
    if (!details || details.uid !== req.params.uid || details.prompt.name !== 'consent') {
      return web.send(reply, signInGonePage(await web.chrome(req)), 400);
    }
    if (!me || String(me.member.uid) !== details.session?.accountId) return web.toLogin(req, reply);
    const grantId = await ctx.oidc.grant(
      me.member.uid,
      String(details.params.client_id),
      consentScopes(details),
      details.grantId,
    );
    return finish(req, reply, { consent: { grantId } }, true);
  });

  // The apps the member lets sign them in, each with a way to take that back.
  app.get<{ Querystring: Record<string, unknown> }>('/me/apps', async (req, reply) => {
    const me = await web.signedIn(req);
    if (!me) return web.toLogin(req, reply);
    const apps: SignedInApp[] = [];
    for (const g of await ctx.oidc.grants(me.member.uid)) {
      const client = await ctx.oidc.signInClient(g.clientId);
      apps.push({ grantId: g.grantId, app: client?.name ?? g.clientId, organisation: client?.organisation ?? 'an organisation' });
    }
    const csrf = await web.token(req, reply, '/me/apps/remove');
    return web.send(reply, appsPage(await web.chrome(req), { apps, csrf, notice: noticeFor(req.query.done) }));
  });

  app.post('/me/apps/remove', async (req, reply) => {
    const me = await web.signedIn(req);
    if (!me) return sessionEnded(web, req, reply);
    const form = web.readForm(req);
    if (!(await web.checkCsrf(req, form, true))) return refuseForm(web, req, reply, '/me/apps');
    // Only the member's own grant can be removed; anything else is simply not there.
    if (!(await ctx.oidc.revokeGrant(me.member.uid, form.get('grant') ?? ''))) return web.redirect(reply, '/me/apps');
    return web.redirect(reply, '/me/apps?done=app-removed');
  });

  app.post<{ Params: { uid: string } }>(`${INTERACTION_PATH}/:uid/deny`, async (req, reply) => {
    if (!(await web.checkCsrf(req, web.readForm(req), true))) return refuseForm(web, req, reply, base(req));
    const details = await interaction(req, reply);
    if (!details || details.uid !== req.params.uid) return web.send(reply, signInGonePage(await web.chrome(req)), 400);
    return finish(req, reply, { error: 'access_denied', error_description: 'The member did not allow the sign-in.' }, false);
  });
}

/** The scopes the member is asked to agree to: those requested that no earlier consent covers. */
function consentScopes(details: Interaction): string[] {
  const missing = (details.prompt.details.missingOIDCScope as string[] | undefined) ?? [];
  return missing.length ? missing : String(details.params.scope ?? 'openid').split(' ');
}
