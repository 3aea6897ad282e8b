/**
 * Schemas, parameters and responses shared by the OpenPDX-specific routes, written from the
 * wire contract (docs/contract.md): §2 OAuth, §3 access denied, §4 connection requests,
 * §6 datasets, §7 developer helpers.
 */
import type { Components, JsonSchema, ParameterObject, ResponseObject } from './openapi-types.ts';

export const ref = (kind: 'schemas' | 'parameters' | 'responses', name: string) => ({ $ref: `#/components/${kind}/${name}` });
export const jsonContent = (schema: JsonSchema) => ({ 'application/json': { schema } });
const string = (description: string, extra: JsonSchema = {}): JsonSchema => ({ type: 'string', description, ...extra });
const access = {
  type: 'object',
  required: ['a', 's'],
  properties: {
    a: { type: 'integer', enum: [0, 1], description: '1: granted' },
    s: { type: 'string', enum: ['A', 'R'], description: 'A: automatic, R: on request' },
  },
};

const schemas: Record<string, JsonSchema> = {
  PdxError: {
    type: 'object',
    description: 'The PDX error body: a message, and a reason that says what to do. Never a stack trace.',
    required: ['error'],
    properties: {
      error: { type: 'object', required: ['message'], properties: { message: { type: 'string' }, reason: { type: 'string' } } },
    },
  },
  OAuthError: {
    type: 'object',
    description: 'RFC 6749 §5.2 error body.',
    required: ['error'],
    properties: {
      error: {
        type: 'string',
        enum: [
          'invalid_request',
          'invalid_client',
          'invalid_grant',
          'unauthorized_client',
          'unsupported_grant_type',
          'invalid_scope',
          'server_error',
          'rate_limited',
        ],
      },
      error_description: { type: 'string' },
    },
  },
  OAuthForm: {
    type: 'object',
    properties: {
      client_id: string(
        'client_secret_post: the client id (not together with HTTP Basic); private_key_jwt: optional, and then the assertion’s sub',
      ),
      client_secret: string('client_secret_post: the client secret'),
      client_assertion_type: string(
        'private_key_jwt (RFC 7523): exactly urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        {
          enum: ['urn:ietf:params:oauth:client-assertion-type:jwt-bearer'],
        },
      ),
      client_assertion: string(
        'private_key_jwt: a JWT signed (ES256, RS256, PS256, EdDSA, …) with one of the client’s registered keys; iss and sub the client id, aud the issuer or the token endpoint, exp within 5 minutes, a jti never used before',
      ),
    },
  },
  TokenRequest: {
    allOf: [
      { $ref: '#/components/schemas/OAuthForm' },
      {
        type: 'object',
        required: ['grant_type', 'scope'],
        properties: {
          grant_type: { type: 'string', const: 'client_credentials' },
          scope: string('Space-separated scopes, all in the client’s allowed set; must include mydex:pdx.', {
            examples: ['mydex:pdx'],
          }),
        },
      },
    ],
  },
  TokenOperationRequest: {
    allOf: [
      { $ref: '#/components/schemas/OAuthForm' },
      {
        type: 'object',
        required: ['token'],
        properties: {
          token: string('An access token issued to this client'),
          token_type_hint: string('Ignored: only access tokens are issued'),
        },
      },
    ],
  },
  AuthorizationServerMetadata: {
    type: 'object',
    description: 'RFC 8414 §2',
    required: ['issuer', 'token_endpoint'],
    additionalProperties: true,
  },
  JsonWebKeySet: {
    type: 'object',
    description: 'RFC 7517 §5: the current and previous public signing keys.',
    required: ['keys'],
    properties: { keys: { type: 'array', items: { type: 'object', required: ['kty', 'kid'], additionalProperties: true } } },
  },
  ConnectionRequestCredentials: {
    type: 'object',
    required: ['connection_nid', 'connection_token_hash', 'return_to'],
    properties: {
      connection_nid: { type: ['string', 'integer'], description: 'The dedicated connection’s NID' },
      connection_token_hash: string('Lower-case hex SHA-512 of the connection token', { pattern: '^[0-9a-f]{128}$' }),
      return_to: string('Where the member’s browser goes afterwards, with ?status=connected|rejected|expired', { format: 'uri' }),
      notify: {
        type: 'string',
        enum: ['email', 'sms'],
        description: 'Decided addition: the platform sends the link to the member',
      },
      phone: string('E.164 number, required when notify is sms', { examples: ['+447700900123'] }),
    },
  },
  RegistrationRequest: {
    allOf: [
      { $ref: '#/components/schemas/ConnectionRequestCredentials' },
      {
        type: 'object',
        required: ['mydexid', 'email', 'password'],
        properties: {
          mydexid: string('3–64 letters, digits, . _ -; not all digits; unused', { minLength: 3, maxLength: 64 }),
          email: string('Unused email address', { format: 'email' }),
          password: string('At least 8 characters, not the MydexID', { minLength: 8 }),
        },
      },
    ],
  },
  ConnectionRequest: {
    allOf: [
      { $ref: '#/components/schemas/ConnectionRequestCredentials' },
      { type: 'object', properties: { mydexid: string('Optional: the member may not have registered yet') } },
    ],
  },
  ConnectionUpdateRequest: {
    allOf: [
      { $ref: '#/components/schemas/ConnectionRequestCredentials' },
      {
        type: 'object',
        required: ['mydexid', 'version'],
        properties: {
          mydexid: string('An already connected member'),
          version: { type: ['string', 'integer'], description: 'The new DSSA version' },
        },
      },
    ],
  },
  OneTimeUrl: string('A bare JSON string: a one-time URL on the member web app (a bearer credential: never cached)', {
    format: 'uri',
  }),
  FieldAccess: { type: 'object', required: ['r', 'w'], properties: { r: access, w: access } },
  MetadataRead: {
    type: 'object',
    description: 'Dataset → `instance_N` → field → value and access. Only readable fields appear.',
    additionalProperties: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: {
          type: 'object',
          required: ['value', 'access'],
          properties: { value: { type: ['string', 'null'] }, access: { $ref: '#/components/schemas/FieldAccess' } },
        },
      },
    },
  },
  Row: {
    type: 'object',
    description: 'A row: readable fields, values as strings',
    additionalProperties: { type: ['string', 'null'] },
  },
  RowsRead: {
    type: 'object',
    description: 'Rows keyed by id, in the requested order',
    additionalProperties: { $ref: '#/components/schemas/Row' },
  },
  DatasetWrite: {
    type: 'object',
    description:
      '`{"<dataset>": {field: value}}` (POST) or `{field: value}` (PUT). JSON, or PHP-style form encoding; numbers may be strings.',
    additionalProperties: true,
  },
  RowsWrite: {
    type: 'object',
    description: '`{"<dataset>": {row}}`, or `{"<dataset>": [{row}, …]}` for a batch of up to 1000 rows, all or nothing.',
    additionalProperties: { oneOf: [{ type: 'object' }, { type: 'array', maxItems: 1000, items: { type: 'object' } }] },
  },
  Success: { type: 'object', required: ['success'], properties: { success: { type: 'integer', const: 1 } } },
  InsertResult: {
    type: 'object',
    required: ['success', 'last_insert_id'],
    properties: {
      success: { type: 'integer', const: 1 },
      last_insert_id: { type: 'integer' },
      insert_ids: { type: 'array', items: { type: 'integer' }, description: 'Batches only' },
    },
  },
  DatasetSummary: {
    type: 'object',
    required: ['dataset_machine_name', 'dataset_name', 'dataset_type', 'status', 'description'],
    properties: {
      dataset_machine_name: { type: 'string', examples: ['ds_personal_details'] },
      dataset_name: { type: 'string' },
      dataset_type: { type: 'string', enum: ['metadata', 'transactional'] },
      status: { type: 'string' },
      description: { type: 'string' },
    },
  },
  FieldSummary: {
    type: 'object',
    required: ['field_name', 'display_name', 'data_type', 'description'],
    properties: {
      field_name: { type: 'string' },
      display_name: { type: 'string' },
      data_type: { type: 'string', enum: ['text', 'varchar', 'int', 'serial', 'date', 'currency', 'blob', 'uuid'] },
      description: { type: 'string' },
      lookup: { type: 'string' },
      options: { type: 'array', items: { type: 'string' } },
      max_length: { type: 'integer' },
      system: { type: 'boolean', const: true, description: 'Set by the server on transactional rows' },
    },
  },
  HealthStatus: {
    type: 'object',
    required: ['status'],
    properties: { status: { type: 'string', enum: ['ok', 'ready', 'unavailable'] } },
  },
};

const header = (description: string) => ({ description, schema: { type: 'string' } });

const responses: Record<string, ResponseObject> = {
  Unauthorized: {
    description: 'A missing, malformed, expired or revoked bearer token, or one not issued by this server.',
    headers: {
      'WWW-Authenticate': header(
        'Bearer error="invalid_token", error_description="…" — the description says which of these it was and what to do.',
      ),
    },
    content: jsonContent(ref('schemas', 'PdxError')),
  },
  Forbidden: {
    description: 'The token lacks a scope this route needs, or the connection, key or member is not the caller’s.',
    headers: {
      'WWW-Authenticate': header(
        'Bearer error="insufficient_scope"; for a missing scope, also error_description and scope="<the scopes it lacks>".',
      ),
    },
    content: jsonContent(ref('schemas', 'PdxError')),
  },
  BadRequest: {
    description: 'Bad parameters, unknown field or a bad value for the field’s type.',
    content: jsonContent(ref('schemas', 'PdxError')),
  },
  NotFound: { description: 'Not found.', content: jsonContent(ref('schemas', 'PdxError')) },
  PayloadTooLarge: { description: 'Body or batch too large.', content: jsonContent(ref('schemas', 'PdxError')) },
  RateLimited: {
    description: 'Too many requests from this address.',
    headers: { 'Retry-After': header('Seconds to wait') },
    content: jsonContent(ref('schemas', 'PdxError')),
  },
  OAuthError: {
    description: 'RFC 6749 §5.2 (never cached). 401 invalid_client carries `WWW-Authenticate: Basic`.',
    headers: { 'WWW-Authenticate': header('Basic realm="<issuer>" on invalid_client'), 'Cache-Control': header('no-store') },
    content: jsonContent(ref('schemas', 'OAuthError')),
  },
};

const query = (
  name: string,
  description: string,
  schema: JsonSchema = { type: 'string' },
  required = false,
): ParameterObject => ({
  name,
  in: 'query',
  description,
  required,
  schema,
});

const parameters: Record<string, ParameterObject> = {
  MemberKey: query('key', 'The member key (or send it as the Connection-Token header)'),
  ConnectionTokenHeader: {
    name: 'Connection-Token',
    in: 'header',
    description: 'The member key (or send it as ?key=)',
    schema: { type: 'string' },
  },
  ConIdQuery: query('con_id', '`<uid>-<NID>`', { type: 'string', pattern: '^\\d+-\\d+$' }, true),
  UidQuery: query('uid', 'The member’s numeric id', { type: 'string', pattern: '^\\d+$' }),
  SourceType: query('source_type', 'Always `connection`', { type: 'string', const: 'connection' }),
  Dataset: query('dataset', 'Dataset machine name; `a+b` (or a space) reads several', { type: 'string' }, true),
  Instance: query('instance', 'Instance number; default 0 (reads: every readable instance)', {
    type: 'string',
    pattern: '^\\d+$',
  }),
  RowId: query('id', 'Row id', { type: 'string', pattern: '^\\d+$' }),
  DataFile: {
    name: 'file',
    in: 'path',
    required: true,
    description: '`{uid}.json` or `{uid}.xml`: the member’s uid, and the response format',
    schema: { type: 'string', pattern: '^\\d{1,15}(\\.(json|xml))?$', examples: ['4020.json'] },
  },
  ShortAccessToken: {
    name: 'Short-Access-Token',
    in: 'header',
    required: true,
    description: 'From GET /access-token/{nid}; spent by this call',
    schema: { type: 'string' },
  },
  Authentication: {
    name: 'Authentication',
    in: 'header',
    required: true,
    description: 'Lower-case hex of sha512(SAT + connection token)',
    schema: { type: 'string', pattern: '^[0-9a-f]{128}$' },
  },
};

export const PDX_COMPONENTS: Components = { schemas, responses, parameters };
