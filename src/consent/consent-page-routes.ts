/**
 * The member's pages of the consent journey, in the member web app's family (web/web-routes.ts
 * registers them with the other pages; their views are web/views/link-views.ts). The one-time
 * link journey (contract §5): GET /ftc/begin/{nid}/{token}/{version} shows the step
 * the member is at; each step POSTs to a sub-path and answers 303 (post/redirect/get), ending at
 * the subscriber's return_to. The token is never echoed in a message, and Referrer-Policy keeps
 * it out of Referer (MX-09, BCP-05).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LinkUnavailableError, LoginRequiredError, WrongMemberError, type LinkView } from './consent-service.ts';
import { ConflictError, ValidationError } from '../errors.ts';
import { idName } from '../web/branding.ts';
import { MIN_PASSWORD, MIN_PRIVATE_KEY, sameMydexid } from '../members/member-rules.ts';
import { safeEqual } from '../crypto/hash.ts';
import { csrfToken } from '../web/csrf.ts';
import { refuseForm } from '../web/refusals.ts';
import { messagePage } from '../web/views/auth-views.ts';
import type { FieldErrors } from '../web/views/forms.ts';
import {
  agreementPage,
  detailsPage,
  linkGonePage,
  linkUsedPage,
  returnPage,
  signInFirstPage,
  wrongMemberPage,
} from '../web/views/link-views.ts';
import { COOKIE_OPTIONS, formValue, type Web } from '../web/web-context.ts';

type LinkParams = { Params: { nid: string; token: string; version: string } };
type LinkRequest = FastifyRequest<LinkParams>;

/** SE-10: proof, bound to this browser and this link, that the registration details were confirmed. */
const STEP_COOKIE = '__Host-openpdx_link';
/** Where /return sends the browser, with a proof that this app chose it (no open redirect). */
const RETURN_COOKIE = '__Host-openpdx_return';

const BASE = '/ftc/begin/:nid/:token/:version';

export function registerConsentPageRoutes(app: FastifyInstance, web: Web): void {
  const { ctx } = web;
  const basePath = (req: LinkRequest) =>
    `/ftc/begin/${encodeURIComponent(req.params.nid)}/${encodeURIComponent(req.params.token)}/${encodeURIComponent(req.params.version)}`;

  /** The link, if usable and the URL's NID and version are the ones it was made for. */
  async function linkFor(req: LinkRequest): Promise<LinkView | undefined> {
    try {
      const view = await ctx.consent.viewLink(req.params.token);
      if (String(view.nid) !== req.params.nid || String(view.dssa.version) !== req.params.version) return undefined;
      return view;
    } catch (err) {
      if (err instanceof LinkUnavailableError) return undefined;
      throw err;
    }
  }

  /**
   * Contract §5 step 4: the member goes back to the subscriber with status=expired when we know
   * where, after a page that says what happened (opening a used link); else a 410 page.
   */
  async function gone(req: LinkRequest, reply: FastifyReply) {
    const to = await ctx.consent.expiredRedirect(req.params.token);
    if (to) return req.method === 'GET' ? web.send(reply, linkUsedPage(await web.chrome(req), to), 410) : handOff(req, reply, to);
    return web.send(reply, linkGonePage(await web.chrome(req)), 410);
  }

  /**
   * Back to the subscriber after a POST. Chromium applies CSP form-action to every redirect a form
   * submission follows, so a 303 straight to return_to would be blocked under form-action 'self'.
   * The POST therefore answers 303 to our own /return page, which continues with an instant
   * meta refresh (WCAG G110) and a plain link.
   */
  async function handOff(req: LinkRequest, reply: FastifyReply, to: string) {
    const base = basePath(req);
    const proof = await web.token(req, reply, `${base}#return:${to}`);
    reply.setCookie(RETURN_COOKIE, `${Buffer.from(to).toString('base64url')}.${proof}`, { ...COOKIE_OPTIONS, maxAge: 600 });
    return web.redirect(reply, `${base}/return`);
  }

  /** The step proof is an HMAC under the browser's CSRF secret of a path no form can post to. */
  async function stepProof(req: LinkRequest, reply: FastifyReply): Promise<string> {
    return web.token(req, reply, `${basePath(req)}#details-confirmed`);
  }
  async function detailsConfirmed(req: LinkRequest, reply: FastifyReply): Promise<boolean> {
    const cookie = req.cookies[STEP_COOKIE];
    return cookie !== undefined && safeEqual(cookie, await stepProof(req, reply));
  }

  async function showAgreement(req: LinkRequest, reply: FastifyReply, view: LinkView, errors: FieldErrors = {}, status = 200) {
    const base = basePath(req);
    const page = agreementPage(await web.chrome(req), {
      view,
      base,
      catalogue: ctx.catalogue,
      approveCsrf: await web.token(req, reply, `${base}/approve`),
      rejectCsrf: await web.token(req, reply, `${base}/reject`),
      errors,
    });
    return web.send(reply, page, status);
  }

  async function showWrongMember(req: LinkRequest, reply: FastifyReply, mydexid: string) {
    const me = await web.signedIn(req);
    const logoutCsrf = me ? csrfToken(me.session.csrfSecret, '/logout') : '';
    return web.send(reply, wrongMemberPage(await web.chrome(req), { mydexid, base: basePath(req), logoutCsrf }), 403);
  }

  app.get<LinkParams>(BASE, async (req, reply) => {
    const view = await linkFor(req);
    if (!view) return gone(req, reply);
    const base = basePath(req);
    if (view.kind === 'register') {
      if (await detailsConfirmed(req, reply)) return showAgreement(req, reply, view);
      const page = detailsPage(await web.chrome(req), {
        view,
        base,
        csrf: await web.token(req, reply, `${base}/confirm`),
        rejectCsrf: await web.token(req, reply, `${base}/reject`),
      });
      return web.send(reply, page);
    }
    const me = await web.signedIn(req);
    if (!me) {
      const csrf = await web.token(req, reply, '/login');
      return web.send(reply, signInFirstPage(await web.chrome(req), { view, base, csrf }));
    }
    if (view.mydexid !== null && !sameMydexid(view.mydexid, me.member.mydexid))
      return showWrongMember(req, reply, me.member.mydexid);
    return showAgreement(req, reply, view);
  });

  app.post<LinkParams>(`${BASE}/confirm`, async (req, reply) => {
    const base = basePath(req);
    if (!(await web.checkCsrf(req, web.readForm(req), false))) return refuseForm(web, req, reply, base);
    const view = await linkFor(req);
    if (!view) return gone(req, reply);
    if (view.kind === 'register') {
      const maxAge = Math.max(60, Math.min(view.expiresAt - ctx.clock.now(), 24 * 3600));
      reply.setCookie(STEP_COOKIE, await stepProof(req, reply), { ...COOKIE_OPTIONS, maxAge });
    }
    return web.redirect(reply, base);
  });

  app.post<LinkParams>(`${BASE}/approve`, async (req, reply) => {
    const base = basePath(req);
    const form = web.readForm(req);
    const view = await linkFor(req);
    if (!view) return gone(req, reply);
    const me = await web.signedIn(req);
    // Consent by a signed-in member must carry their session's token; registration has no session.
    if (!(await web.checkCsrf(req, form, view.kind !== 'register'))) return refuseForm(web, req, reply, base);
    const privateKey = formValue(form, 'private_key');
    let outcome: { redirect: string } | undefined;
    try {
      if (view.kind === 'register') {
        // SE-10: the details step comes first; a POST straight here starts the journey again.
        if (!(await detailsConfirmed(req, reply))) return web.redirect(reply, base);
        const password = formValue(form, 'password');
        const errors = {
          ...newPasswordErrors(password, formValue(form, 'password_confirm'), view.mydexid ?? ''),
          ...newKeyErrors(privateKey, formValue(form, 'private_key_confirm'), password),
        };
        if (Object.keys(errors).length) return showAgreement(req, reply, view, errors, 400);
        outcome = await ctx.consent.approve(req.params.token, { privateKey, password });
        reply.clearCookie(STEP_COOKIE, COOKIE_OPTIONS);
      } else {
        if (!me) return web.redirect(reply, base);
        const uid = me.member.uid;
        const r = await web.withPrivateKey(req, reply, uid, privateKey, (pk) =>
          ctx.consent.approve(req.params.token, { uid, privateKey: pk }),
        );
        if (!r.ok) return showAgreement(req, reply, view, { private_key: r.error }, r.status);
        outcome = r.value;
      }
    } catch (err) {
      if (err instanceof LinkUnavailableError) return gone(req, reply);
      if (err instanceof LoginRequiredError) return web.redirect(reply, base);
      if (err instanceof WrongMemberError) return showWrongMember(req, reply, me?.member.mydexid ?? '');
      if (err instanceof ValidationError) return showAgreement(req, reply, view, { private_key: err.message }, 400);
      if (err instanceof ConflictError) return alreadyRegistered(req, reply);
      throw err;
    }
    return handOff(req, reply, outcome.redirect);
  });

  app.post<LinkParams>(`${BASE}/reject`, async (req, reply) => {
    if (!(await web.checkCsrf(req, web.readForm(req), false))) return refuseForm(web, req, reply, basePath(req));
    try {
      const { redirect } = await ctx.consent.reject(req.params.token);
      reply.clearCookie(STEP_COOKIE, COOKIE_OPTIONS);
      return handOff(req, reply, redirect);
    } catch (err) {
      if (err instanceof LinkUnavailableError) return gone(req, reply);
      throw err;
    }
  });

  app.get<LinkParams>(`${BASE}/return`, async (req, reply) => {
    const [encoded, proof] = (req.cookies[RETURN_COOKIE] ?? '').split('.');
    const to = encoded ? Buffer.from(encoded, 'base64url').toString() : '';
    const expected = to && (await web.token(req, reply, `${basePath(req)}#return:${to}`));
    if (!expected || !proof || !safeEqual(proof, expected)) return gone(req, reply);
    reply.clearCookie(RETURN_COOKIE, COOKIE_OPTIONS);
    return web.send(reply, returnPage(await web.chrome(req), to));
  });

  async function alreadyRegistered(req: LinkRequest, reply: FastifyReply) {
    const page = messagePage(await web.chrome(req), {
      title: `This ${idName()} or email address is already registered`,
      paragraphs: [
        'Someone has registered a Personal Data Store with these details since the organisation sent this link. Nothing was created or shared.',
        'If it is yours, sign in; otherwise ask the organisation for a new link.',
      ],
      link: { href: '/login', text: 'Sign in' },
    });
    return web.send(reply, page, 409);
  }
}

function newPasswordErrors(password: string, confirm: string, mydexid: string): FieldErrors {
  if (password.length < MIN_PASSWORD) return { password: `Your password must be at least ${MIN_PASSWORD} characters.` };
  if (sameMydexid(password, mydexid)) return { password: `Your password must not be your ${idName()}.` };
  if (confirm !== password) return { password_confirm: 'The two passwords are not the same. Enter the same password twice.' };
  return {};
}

/** `password`: the one chosen on the same page, so comparing with it tells nobody anything new. */
function newKeyErrors(privateKey: string, confirm: string, password: string): FieldErrors {
  if (privateKey.length < MIN_PRIVATE_KEY)
    return { private_key: `Your Private Key must be at least ${MIN_PRIVATE_KEY} characters.` };
  if (privateKey === password) return { private_key: 'Your Private Key must be different from the password you chose above.' };
  if (confirm !== privateKey)
    return { private_key_confirm: 'The two Private Keys are not the same. Enter the same Private Key twice.' };
  return {};
}
