/**
 * The member web app (contract §1, §5): server-rendered pages, no JavaScript, one stylesheet.
 * Security headers go on every web path, error pages included (BCP-05, ASVS 3.4).
 */
import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { CSS, CSS_HREF, CSS_PATH, CSS_VERSION } from './assets.ts';
import { registerAccountRoutes } from './account-routes.ts';
import { registerAuthRoutes } from './auth-routes.ts';
import { registerDashboardRoutes } from './dashboard-routes.ts';
import { registerDataRoutes } from './data-routes.ts';
import { showTimesIn } from './views/format.ts';
import { brandLogo, useBranding } from './branding.ts';
import { registerHomeRoutes } from './home-routes.ts';
import { registerIdentityRoutes } from './identity-routes.ts';
import { registerPasswordResetRoutes } from './password-reset-routes.ts';
import { registerConsentPageRoutes } from '../consent/consent-page-routes.ts';
import { registerSignInPageRoutes } from '../oidc/sign-in-page-routes.ts';
import { Web } from './web-context.ts';
import { BODY_LIMITS } from '../http/body-limits.ts';
import { registerRouteFamily, type RouteFamily } from '../http/route-family.ts';

/** The member app's family name (the OpenAPI document describes its pages by rule). */
export const MEMBER_WEB = 'member-web';

function securityHeaders(https: boolean): Record<string, string> {
  return {
    'cache-control': 'no-store',
    // Approve/reject answer 303 to return_to: a redirect, not a form target, so form-action stays 'self'.
    'content-security-policy': "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    ...(https && { 'strict-transport-security': 'max-age=31536000; includeSubDomains' }),
  };
}

export function registerWebRoutes(app: FastifyInstance, ctx: AppContext): void {
  // The member app's family: HTML error pages, form-sized bodies, and the security headers on
  // every answer of its paths, error and not-found pages included.
  const family: RouteFamily = {
    name: MEMBER_WEB,
    format: 'html',
    bodyLimit: BODY_LIMITS.memberForm,
    headers: securityHeaders(ctx.config.publicUrl.startsWith('https://')),
  };
  registerRouteFamily(app, family, async (scope) => {
    await scope.register(fastifyCookie);
    scope.get(CSS_PATH, async (_req, reply) =>
      reply
        .header('cache-control', 'public, max-age=31536000, immutable')
        .header('etag', `"${CSS_VERSION}"`)
        .type('text/css; charset=utf-8')
        .send(CSS),
    );
    showTimesIn(ctx.config.timeZone);
    useBranding(ctx.config.branding);
    const logo = brandLogo();
    if (logo) {
      scope.get(logo.href, async (_req, reply) =>
        reply.header('cache-control', 'public, max-age=31536000, immutable').type(logo.type).send(logo.bytes),
      );
    }
    const web = new Web(ctx, ctx.sessions, ctx.authThrottle, CSS_HREF);
    registerHomeRoutes(scope, web);
    registerAuthRoutes(scope, web);
    registerConsentPageRoutes(scope, web);
    registerDashboardRoutes(scope, web);
    registerDataRoutes(scope, web);
    registerAccountRoutes(scope, web);
    registerPasswordResetRoutes(scope, web);
    registerIdentityRoutes(scope, web);
    registerSignInPageRoutes(scope, web);
  });
}
