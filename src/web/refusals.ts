/** The pages for requests refused before they reach a service: stale forms and ended sessions. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { securityEvent } from '../security-events.ts';
import { messagePage } from './views/auth-views.ts';
import type { Web } from './web-context.ts';

/** SE-05: a POST without the right anti-CSRF token (or from another site) changes nothing. */
export async function refuseForm(web: Web, req: FastifyRequest, reply: FastifyReply, back: string): Promise<FastifyReply> {
  securityEvent(req.log, 'csrf.refused', {
    path: req.routeOptions.url ?? back,
    remoteAddress: req.ip,
    crossSite: req.headers['sec-fetch-site'] === 'cross-site' || req.headers['sec-fetch-site'] === 'same-site',
  });
  const page = messagePage(await web.chrome(req), {
    title: 'This form could not be accepted',
    paragraphs: [
      'For your security, we only accept forms sent from this site’s own pages, and only for a short time.',
      'Nothing has been changed. Go back, reload the page and try again.',
    ],
    link: { href: back, text: 'Go back' },
  });
  return web.send(reply, page, 403);
}

/** A POST to a member page without a live session (including a bearer token: AZ-06). */
export async function sessionEnded(web: Web, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const page = messagePage(await web.chrome(req), {
    title: 'You are not signed in',
    paragraphs: ['Your session has ended, or you have not signed in. Nothing has been changed.'],
    link: { href: '/login', text: 'Sign in' },
  });
  return web.send(reply, page, 401);
}
