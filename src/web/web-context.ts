/**
 * Per-request plumbing shared by the member pages: who is signed in (the session cookie only,
 * never an Authorization header: AZ-06/BCP-03), form parsing, CSRF tokens and checks, and
 * sending pages and 303 redirects.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { NulCharacterError } from '../errors.ts';
import type { Member } from '../members/member-accounts.ts';
import type { AuthThrottle } from '../members/auth-throttle-store.ts';
import { csrfToken, newCsrfSecret, verifyCsrfToken } from './csrf.ts';
import type { SafeHtml } from './html.ts';
import type { MemberSession, MemberSessions } from './member-session-store.ts';
import type { DataKeyRing } from '../members/key-ring.ts';
import { withPrivateKey, type Guarded } from './private-key-guard.ts';
import type { Chrome } from './views/layout.ts';

const SESSION_COOKIE = '__Host-openpdx_session';
const CSRF_COOKIE = '__Host-openpdx_csrf';
/** `__Host-` cookies must be Secure, Path=/ and have no Domain; browsers accept Secure on http://localhost. */
export const COOKIE_OPTIONS = { path: '/', secure: true, httpOnly: true, sameSite: 'lax' } as const;

export interface SignedIn {
  member: Member;
  session: MemberSession;
}

export class Web {
  private readonly signedInCache = new WeakMap<FastifyRequest, SignedIn | null>();

  constructor(
    readonly ctx: AppContext,
    readonly sessions: MemberSessions,
    readonly throttle: AuthThrottle,
    private readonly cssHref: string,
  ) {}

  async signedIn(req: FastifyRequest): Promise<SignedIn | undefined> {
    const cached = this.signedInCache.get(req);
    if (cached !== undefined) return cached ?? undefined;
    const session = await this.sessions.resolve(req.cookies[SESSION_COOKIE]);
    const member = session && (await this.ctx.members.accounts.getMember({ uid: session.uid }));
    const result = session && member ? { session, member } : undefined;
    this.signedInCache.set(req, result ?? null);
    return result;
  }

  /** Starts a fresh session (a new id at every login: SE-02), ending the one the browser had. */
  async startSession(req: FastifyRequest, reply: FastifyReply, member: Member): Promise<void> {
    await this.sessions.destroy(req.cookies[SESSION_COOKIE]);
    const { id, session } = await this.sessions.create(member.uid);
    reply.setCookie(SESSION_COOKIE, id, COOKIE_OPTIONS);
    this.signedInCache.set(req, { session, member });
  }

  /**
   * Runs `fn` with the Private Key through the lock-out guard and, when the key was right, gives
   * the browser a new session id (SE-02, ASVS 7.2.4): a session id seen before the unlock is
   * worth nothing after it.
   */
  async withPrivateKey<T>(
    req: FastifyRequest,
    reply: FastifyReply,
    uid: number,
    privateKey: string,
    fn: (privateKey: string) => Promise<T>,
  ): Promise<Guarded<T>> {
    const r = await withPrivateKey(this.throttle, req.log, uid, privateKey, fn);
    if (r.ok) await this.rotateSession(req, reply);
    return r;
  }

  /** The data keys held for this session's unlock window (the caller wipes them); undefined when locked. */
  async heldKeys(req: FastifyRequest): Promise<{ ring: DataKeyRing; until: number } | undefined> {
    const me = await this.signedIn(req);
    const id = req.cookies[SESSION_COOKIE];
    return me && id ? this.sessions.heldKeys(id, me.session) : undefined;
  }

  /**
   * Checks the Private Key (throttled, as every entry of it is) and opens the unlock window:
   * the data keys are held for the session until it ends, the member locks, or the window passes.
   */
  async unlockData(
    req: FastifyRequest,
    reply: FastifyReply,
    uid: number,
    privateKey: string,
  ): Promise<Guarded<{ ring: DataKeyRing; until: number }>> {
    const r = await this.withPrivateKey(req, reply, uid, privateKey, (pk) => this.ctx.memberData.unlock(uid, pk));
    if (!r.ok) return r;
    const me = await this.signedIn(req);
    const id = req.cookies[SESSION_COOKIE];
    if (!me || !id) {
      r.value.wipe();
      return { ok: false, status: 401, error: 'Your session ended. Sign in again to continue.' };
    }
    const until = await this.sessions.holdKeys(id, me.session, r.value);
    return { ok: true, value: { ring: r.value, until } };
  }

  async lockData(req: FastifyRequest): Promise<void> {
    const me = await this.signedIn(req);
    if (me) await this.sessions.dropKeys(me.session);
  }

  private async rotateSession(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const rotated = await this.sessions.rotate(req.cookies[SESSION_COOKIE]);
    if (!rotated) return;
    reply.setCookie(SESSION_COOKIE, rotated.id, COOKIE_OPTIONS);
    req.cookies[SESSION_COOKIE] = rotated.id;
    const cached = this.signedInCache.get(req);
    if (cached) this.signedInCache.set(req, { ...cached, session: rotated.session });
  }

  async endSession(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    await this.sessions.destroy(req.cookies[SESSION_COOKIE]);
    reply.clearCookie(SESSION_COOKIE, COOKIE_OPTIONS);
    this.signedInCache.set(req, null);
  }

  async chrome(req: FastifyRequest): Promise<Chrome> {
    const me = await this.signedIn(req);
    return {
      sandbox: this.ctx.config.env === 'sandbox',
      cssHref: this.cssHref,
      ...(me && { member: { mydexid: me.member.mydexid, logoutToken: csrfToken(me.session.csrfSecret, '/logout') } }),
    };
  }

  /**
   * The token for a form posting to `action`: keyed by the session when signed in, else by the
   * pre-login cookie, which is set here when missing.
   */
  async token(req: FastifyRequest, reply: FastifyReply, action: string): Promise<string> {
    const me = await this.signedIn(req);
    if (me) return csrfToken(me.session.csrfSecret, action);
    let secret = req.cookies[CSRF_COOKIE];
    if (!secret || !/^[A-Za-z0-9_-]{43}$/.test(secret)) {
      secret = newCsrfSecret();
      reply.setCookie(CSRF_COOKIE, secret, COOKIE_OPTIONS);
      req.cookies[CSRF_COOKIE] = secret;
    }
    return csrfToken(secret, action);
  }

  /**
   * SE-05: a POST is accepted only with the token for its own path. `sessionOnly` forms (every
   * /me action, logout, consent by a signed-in member) refuse the pre-login cookie's token.
   */
  async checkCsrf(req: FastifyRequest, form: URLSearchParams, sessionOnly: boolean): Promise<boolean> {
    // Fetch metadata: a browser tells us when a POST comes from another site; refuse it outright.
    const site = req.headers['sec-fetch-site'];
    if (site === 'cross-site' || site === 'same-site') return false;
    const action = req.url.split('?')[0] ?? '';
    const token = form.get('csrf');
    const me = await this.signedIn(req);
    if (me && verifyCsrfToken(me.session.csrfSecret, action, token)) return true;
    return !sessionOnly && verifyCsrfToken(req.cookies[CSRF_COOKIE], action, token);
  }

  readForm(req: FastifyRequest): URLSearchParams {
    const type = String(req.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim()
      .toLowerCase();
    if (type !== 'application/x-www-form-urlencoded' || typeof req.body !== 'string') {
      return new URLSearchParams();
    }
    const form = new URLSearchParams(req.body);
    for (const [name, value] of form) if (name.includes('\0') || value.includes('\0')) throw new NulCharacterError();
    return form;
  }

  send(reply: FastifyReply, body: SafeHtml, status = 200): FastifyReply {
    return reply.code(status).type('text/html; charset=utf-8').send(body.value);
  }

  /** Post/redirect/get: 303 so the browser follows with a GET and a refresh never re-posts. */
  redirect(reply: FastifyReply, location: string): FastifyReply {
    return reply.code(303).header('location', location).send();
  }

  /**
   * Who is waiting for the member when they sign in or register on the way somewhere (`next`): the
   * organisation of a one-time link, or the app of a sign-in with their MydexID.
   */
  async waitingFor(next: string | undefined): Promise<string | undefined> {
    const link = next && /^\/ftc\/begin\/[^/]+\/([^/]+)\//.exec(next);
    if (link)
      return this.ctx.consent.viewLink(link[1]!).then(
        (v) => v.subscriberName,
        () => undefined,
      );
    const signIn = next && /^\/oauth2\/interaction\/([A-Za-z0-9_-]+)$/.exec(next);
    return signIn ? this.ctx.oidc.waitingApp(signIn[1]!) : undefined;
  }

  /** 303 to the login page, coming back here after; a stale session cookie is dropped and explained. */
  toLogin(req: FastifyRequest, reply: FastifyReply): FastifyReply {
    const path = req.url.split('?')[0] ?? '/me';
    const stale = req.cookies[SESSION_COOKIE] !== undefined;
    if (stale) reply.clearCookie(SESSION_COOKIE, COOKIE_OPTIONS);
    const next = `next=${encodeURIComponent(path).replace(/%2F/g, '/')}`;
    return this.redirect(reply, `/login?${next}${stale ? '&done=session-ended' : ''}`);
  }
}

export function formValue(form: URLSearchParams, name: string): string {
  return form.get(name) ?? '';
}
