/**
 * The routes around the API: the tags of health checks, this document and the sandbox's developer
 * surfaces (whose operations are declared with their routes: app.ts, openapi-routes.ts,
 * messaging/dev-routes.ts), and the member web app's pages (HTML for people, listed under
 * `member-web` so the document covers every route; they take form posts with a CSRF token and a
 * session cookie, not bearer tokens). The pages are described by rule from whatever the web app
 * registers, so a new page needs no entry.
 */
import { htmlResponse, NO_SECURITY } from './operation-builders.ts';
import { MEMBER_WEB } from '../web/web-routes.ts';
import type { DocumentationPart, HttpMethod, OperationObject, ParameterObject, FamilyDescription } from './openapi-types.ts';

const LINK = '/ftc/begin/{nid}/{token}/{version}';

/** Summaries of the pages known when this was written; a new page gets a generic one. */
const PAGES: Readonly<Record<string, string>> = {
  'get /': 'The landing page: what the service is, sign in, register, the API reference.',
  'get /login': 'Sign-in page.',
  'post /login': 'Signs the member in.',
  'post /logout': 'Signs the member out.',
  'get /register': 'Registration page.',
  'post /register': 'Registers a member.',
  [`get ${LINK}`]: 'A one-time link: the connection’s agreement, after sign-in or registration.',
  [`post ${LINK}/confirm`]: 'Confirms a registration’s details and Private Key.',
  [`post ${LINK}/approve`]: 'Consents to the agreement with the Private Key.',
  [`post ${LINK}/reject`]: 'Rejects the agreement.',
  [`get ${LINK}/return`]: 'Sends the browser back to the subscriber’s return_to.',
  'get /me': 'The member’s dashboard.',
  'get /me/connections': 'The member’s connections and what each may see.',
  'get /me/connections/{nid}/revoke': 'Confirms revoking a connection.',
  'post /me/connections/{nid}/revoke': 'Revokes a connection.',
  'get /me/activity': 'Every access by every subscriber.',
  'get /me/account': 'Account settings.',
  'get /me/data': 'Asks for the Private Key to show the member’s data.',
  'post /me/data': 'Shows the member’s data.',
  'post /me/data/edit': 'Edits a field of the member’s data.',
  'get /me/export': 'Asks for the Private Key to export the member’s data.',
  'post /me/export': 'Exports all the member’s data as JSON.',
  'get /me/password': 'Change-password page.',
  'post /me/password': 'Changes the password.',
  'get /me/private-key': 'Change-Private-Key page.',
  'post /me/private-key': 'Changes the Private Key.',
  'get /me/delete': 'Account deletion page.',
  'post /me/delete': 'Deletes the account and all its data.',
  'get /me/goodbye': 'After deletion.',
};

const operationId = (method: string, path: string) =>
  `web${method[0]!.toUpperCase()}${method.slice(1)}${path
    .replace(/\{(\w+)\}/g, 'By$1')
    .split(/[/.-]/)
    .map((w) => (w ? w[0]!.toUpperCase() + w.slice(1) : ''))
    .join('')}`;

function webPage(method: HttpMethod, path: string): OperationObject {
  const params: ParameterObject[] = [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1]!,
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  if (path === '/assets/openpdx.css') {
    return {
      operationId: 'webGetStylesheet',
      tags: ['member-web'],
      summary: 'The web app’s one stylesheet.',
      security: NO_SECURITY,
      responses: {
        '200': { description: 'Immutable, versioned by ?v=.', content: { 'text/css': { schema: { type: 'string' } } } },
      },
    };
  }
  return {
    operationId: operationId(method, path),
    tags: ['member-web'],
    summary: PAGES[`${method} ${path}`] ?? (method === 'get' ? 'A member web page.' : 'A member web form.'),
    security: NO_SECURITY,
    ...(params.length ? { parameters: params } : {}),
    ...(method === 'post'
      ? { requestBody: { content: { 'application/x-www-form-urlencoded': { schema: { type: 'object' } } } } }
      : {}),
    responses: {
      '200': htmlResponse('A page.'),
      ...(method === 'post' ? { '303': { description: 'Redirect after a successful form post.' } } : {}),
    },
  };
}

/** Every route of the member web app's family, described by rule. */
const webFamily: FamilyDescription = { family: MEMBER_WEB, describe: webPage };

export function serviceDocumentation(env: 'sandbox' | 'live'): DocumentationPart {
  return {
    tags: [
      { name: 'Service', description: 'Health checks and this reference.' },
      ...(env === 'sandbox' ? [{ name: 'Sandbox', description: 'Sandbox-only developer surfaces (absent in live).' }] : []),
      { name: 'member-web', description: 'The member web app: HTML pages and form posts for people, not an API.' },
    ],
    families: [webFamily],
  };
}
