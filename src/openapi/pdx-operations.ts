/** OAuth (contract §2), dedicated connection requests (§4) and developer helpers (§7). */
import { BEARER_ERRORS, jsonResponse, NO_SECURITY, operation, PDX_SECURITY, pdxBody } from './operation-builders.ts';
import type { DocumentationPart, DocumentedOperation, ExcludedRoute, ParameterObject } from './openapi-types.ts';
import { jsonContent, PDX_COMPONENTS, ref } from './pdx-components.ts';

// client_secret_basic, or (the empty requirement) client_secret_post in the form body
const CLIENT_AUTH: Record<string, string[]>[] = [{ clientSecretBasic: [] }, {}];
const NO_STORE = { 'Cache-Control': { description: 'no-store', schema: { type: 'string' } } };
const form = (schema: string) => ({
  required: true,
  content: { 'application/x-www-form-urlencoded': { schema: ref('schemas', schema) } },
});
const oauthErrors = {
  '400': ref('responses', 'OAuthError'),
  '401': ref('responses', 'OAuthError'),
  '413': ref('responses', 'OAuthError'),
  '429': ref('responses', 'OAuthError'),
};
const OAUTH_ENDPOINTS = ['/oauth2/token', '/oauth2/introspect', '/oauth2/revoke'];

function oauthOperations(issuerPath: string): DocumentedOperation[] {
  const clientAuth =
    'HTTP Basic (`client_secret_basic`, id and secret URL-decoded after base64) or `client_id`/`client_secret` in the body (`client_secret_post`), not both.';
  return [
    operation('post', '/oauth2/token', {
      operationId: 'postOAuthToken',
      tags: ['OAuth2'],
      summary: 'Issues an access token (client credentials grant).',
      description: `RFC 6749 §4.4. ${clientAuth} Every requested scope must be in the client’s allowed set; the token is an RFC 9068 JWT valid for an hour.`,
      security: CLIENT_AUTH,
      requestBody: form('TokenRequest'),
      responses: { '200': { description: 'The access token (never cached).', headers: NO_STORE }, ...oauthErrors },
    }),
    operation('post', '/oauth2/introspect', {
      operationId: 'postOAuthIntrospect',
      tags: ['OAuth2'],
      summary: 'Introspects one of the client’s own tokens (RFC 7662).',
      description: clientAuth,
      security: CLIENT_AUTH,
      requestBody: form('TokenOperationRequest'),
      responses: {
        '200': { description: 'Whether the token is active, and its claims when it is.', headers: NO_STORE },
        ...oauthErrors,
      },
    }),
    operation('post', '/oauth2/revoke', {
      operationId: 'postOAuthRevoke',
      tags: ['OAuth2'],
      summary: 'Revokes one of the client’s own tokens (RFC 7009).',
      description: `${clientAuth} Every API process refuses a revoked token within a second.`,
      security: CLIENT_AUTH,
      requestBody: form('TokenOperationRequest'),
      responses: {
        '200': { description: 'Revoked, or was not a token of this client: an empty body.', headers: NO_STORE },
        ...oauthErrors,
      },
    }),
    operation('get', `/.well-known/oauth-authorization-server${issuerPath}`, {
      operationId: 'getAuthorizationServerMetadata',
      tags: ['OAuth2'],
      summary: 'Authorisation server metadata (RFC 8414).',
      security: NO_SECURITY,
      responses: { '200': jsonResponse('The metadata.', ref('schemas', 'AuthorizationServerMetadata')) },
    }),
    operation('get', '/.well-known/jwks.json', {
      operationId: 'getJwks',
      tags: ['OAuth2'],
      summary: 'The public keys access tokens are signed with (RFC 7517).',
      security: NO_SECURITY,
      responses: { '200': jsonResponse('The key set.', ref('schemas', 'JsonWebKeySet')) },
    }),
  ];
}

const linkHeaders = [ref('parameters', 'ShortAccessToken'), ref('parameters', 'Authentication')];

function linkOperation(
  path: string,
  operationId: string,
  summary: string,
  schema: string,
  description: string,
): DocumentedOperation {
  return operation('post', path, {
    operationId,
    tags: ['Connection requests'],
    summary,
    description: `${description} The Short-Access-Token is spent whatever the outcome.`,
    security: PDX_SECURITY,
    parameters: linkHeaders,
    requestBody: pdxBody(ref('schemas', schema)),
    responses: {
      '200': jsonResponse('A one-time URL on the member web app (a bare JSON string).', ref('schemas', 'OneTimeUrl')),
      '400': ref('responses', 'BadRequest'),
      ...BEARER_ERRORS,
      ...(path === '/api/pds'
        ? { '409': { description: 'MydexID or email already in use.', content: jsonContent(ref('schemas', 'PdxError')) } }
        : {}),
    },
  });
}

const connectionOperations: DocumentedOperation[] = [
  operation('get', '/access-token/{nid}', {
    operationId: 'getShortAccessToken',
    tags: ['Connection requests'],
    summary: 'Issues a short access token (SAT) for a dedicated connection.',
    description: 'Random, valid 300 s, single use, bound to the NID. Rate limited per client address.',
    security: NO_SECURITY,
    parameters: [
      {
        name: 'nid',
        in: 'path',
        required: true,
        description: 'The connection’s NID',
        schema: { type: 'string', pattern: '^\\d+$' },
      },
    ],
    responses: {
      '200': jsonResponse('The SAT, a bare JSON string (never cached).', { type: 'string' }),
      '404': { description: 'Unknown connection.', content: jsonContent(ref('schemas', 'PdxError')) },
      '429': ref('responses', 'RateLimited'),
    },
  }),
  linkOperation(
    '/api/pds',
    'postRegistration',
    'Asks a new member to register and connect.',
    'RegistrationRequest',
    'Contract §4.1.',
  ),
  linkOperation(
    '/api/connection',
    'postFirstTimeConnection',
    'Asks a member to connect (first time connection).',
    'ConnectionRequest',
    'Contract §4.2: the URL is single use and expires after 24 h.',
  ),
  linkOperation(
    '/api/connection/update',
    'postConnectionUpdate',
    'Asks a connected member to consent to a new DSSA version.',
    'ConnectionUpdateRequest',
    'Contract §4.3: the callback is a PUT.',
  ),
];

const named = (description: string): ParameterObject[] => [
  { name: 'name', in: 'path', required: true, description, schema: { type: 'string' } },
];
const notFound = { '404': ref('responses', 'NotFound') };

const helperOperations: DocumentedOperation[] = [
  operation('get', '/developer-helpers/datasets', {
    operationId: 'getDeveloperDatasets',
    tags: ['Developer helpers'],
    summary: 'Every dataset of the master schema.',
    security: PDX_SECURITY,
    responses: {
      '200': jsonResponse('The datasets.', { type: 'array', items: ref('schemas', 'DatasetSummary') }),
      ...BEARER_ERRORS,
    },
  }),
  operation('get', '/developer-helpers/datasetsbytype/{name}', {
    operationId: 'getDeveloperDatasetsByType',
    tags: ['Developer helpers'],
    summary: 'The datasets of one type.',
    security: PDX_SECURITY,
    parameters: named('`metadata` or `transactional`'),
    responses: {
      '200': jsonResponse('The datasets.', { type: 'array', items: ref('schemas', 'DatasetSummary') }),
      ...BEARER_ERRORS,
      ...notFound,
    },
  }),
  operation('get', '/developer-helpers/types/{name}', {
    operationId: 'getDeveloperFieldTypes',
    tags: ['Developer helpers'],
    summary: 'The fields of a dataset, keyed by name.',
    security: PDX_SECURITY,
    parameters: named('Dataset machine name (`field_ds_x` is accepted for `ds_x`)'),
    responses: {
      '200': jsonResponse('The fields.', { type: 'object', additionalProperties: ref('schemas', 'FieldSummary') }),
      ...BEARER_ERRORS,
      ...notFound,
    },
  }),
  operation('get', '/developer-helpers/options/{name}', {
    operationId: 'getDeveloperLookupOptions',
    tags: ['Developer helpers'],
    summary: 'The options of a lookup list.',
    security: PDX_SECURITY,
    parameters: named('`lu_x` or `x`'),
    responses: {
      '200': jsonResponse('The options.', { type: 'array', items: { type: 'string' } }),
      ...BEARER_ERRORS,
      ...notFound,
    },
  }),
];

export function pdxDocumentation(issuer: string): DocumentationPart {
  // RFC 8414 §3.1: for an issuer with a path, the well-known segment goes before it.
  const issuerPath = new URL(issuer).pathname.replace(/\/+$/, '');
  const excluded: ExcludedRoute[] = OAUTH_ENDPOINTS.flatMap((path) =>
    ['GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].map((method) => ({
      method,
      path,
      reason: 'answers 405: credentials never travel in a URL (RFC 6749 §2.3.1)',
    })),
  );
  return {
    tags: [
      {
        name: 'OAuth2',
        description: 'The OAuth2 server (contract §2): client credentials, introspection, revocation, metadata.',
      },
      {
        name: 'Connection requests',
        description: 'Dedicated connection requests (contract §4): registration, first time connection, update.',
      },
      { name: 'Developer helpers', description: 'The master schema for developers (contract §7).' },
    ],
    operations: [...oauthOperations(issuerPath), ...connectionOperations, ...helperOperations],
    components: PDX_COMPONENTS,
    scopes: { 'mydex:pdx': 'Global access scope' },
    excluded,
  };
}
