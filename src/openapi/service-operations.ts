/**
 * The routes around the API: health, this document, the sandbox's developer surfaces, and the
 * member web app's pages (HTML for people, listed under `member-web` so the document covers every
 * route; they take form posts with a CSRF token and a session cookie, not bearer tokens). The
 * pages are described by rule from whatever the web app registers, so a new page needs no entry.
 */
import { htmlResponse, jsonResponse, NO_SECURITY, operation } from './operation-builders.ts';
import { MEMBER_WEB } from '../web/web-routes.ts';
import type {
  DocumentationPart,
  DocumentedOperation,
  HttpMethod,
  OperationObject,
  ParameterObject,
  FamilyDescription,
} from './openapi-types.ts';
import { ref } from './pdx-components.ts';

export const OPENAPI_PATH = '/openapi.json';
export const DOCS_PATH = '/docs';

const service: DocumentedOperation[] = [
  operation('get', '/healthz', {
    operationId: 'getHealth',
    tags: ['Service'],
    summary: 'Liveness: the process answers.',
    security: NO_SECURITY,
    responses: { '200': jsonResponse('Alive.', ref('schemas', 'HealthStatus')) },
  }),
  operation('get', '/readyz', {
    operationId: 'getReadiness',
    tags: ['Service'],
    summary: 'Readiness: the database answers.',
    security: NO_SECURITY,
    responses: {
      '200': jsonResponse('Ready.', ref('schemas', 'HealthStatus')),
      '503': jsonResponse('The database does not answer.', ref('schemas', 'HealthStatus')),
    },
  }),
  operation('get', OPENAPI_PATH, {
    operationId: 'getOpenApiDocument',
    tags: ['Service'],
    summary: 'This OpenAPI 3.1 document.',
    description: 'Made from the registered routes; cacheable for five minutes, with an ETag.',
    security: NO_SECURITY,
    responses: {
      '200': jsonResponse('The document.', { type: 'object', required: ['openapi', 'info', 'paths'] }),
      '304': { description: 'Unchanged since the ETag given in If-None-Match.' },
    },
  }),
  operation('get', DOCS_PATH, {
    operationId: 'getApiDocs',
    tags: ['Service'],
    summary: 'This document as a readable page.',
    security: NO_SECURITY,
    responses: { '200': htmlResponse('The API reference.') },
  }),
];

const sandbox: DocumentedOperation[] = [
  operation('get', '/dev/outbox', {
    operationId: 'getSandboxOutbox',
    tags: ['Sandbox'],
    summary: 'The email and SMS the sandbox kept instead of sending.',
    security: NO_SECURITY,
    responses: { '200': htmlResponse('The outbox page (carries one-time links: never cached).') },
  }),
  ...(['post', 'put'] as const).map((method) =>
    operation(method, '/dev/callback', {
      operationId: `${method}SandboxCallback`,
      tags: ['Sandbox'],
      summary: `Receives a ${method.toUpperCase()} callback for the seeded demo connection.`,
      security: NO_SECURITY,
      requestBody: { content: { '*/*': { schema: { type: 'string' } } } },
      responses: { '200': jsonResponse('Kept.', { type: 'object', properties: { received: { type: 'boolean', const: true } } }) },
    }),
  ),
  operation('get', '/dev/callbacks', {
    operationId: 'getSandboxCallbacks',
    tags: ['Sandbox'],
    summary: 'The callbacks /dev/callback received.',
    security: NO_SECURITY,
    responses: { '200': jsonResponse('Newest last.', { type: 'array', items: { type: 'object' } }) },
  }),
];

const LINK = '/ftc/begin/{nid}/{token}/{version}';

/** Summaries of the pages known when this was written; a new page gets a generic one. */
const PAGES: Readonly<Record<string, string>> = {
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
      { name: 'member-web', description: 'The member web app (contract §5): HTML pages and form posts for people, not an API.' },
    ],
    operations: [...service, ...(env === 'sandbox' ? sandbox : [])],
    families: [webFamily],
  };
}
