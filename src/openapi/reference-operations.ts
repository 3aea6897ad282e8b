/**
 * The feature-block and IDaaS operations, from Mydex's reference documents (contract §7: "exactly"
 * the feature-block OpenAPI) kept as JSON in ./reference, converted to 3.1, plus what the contract
 * adds to them: `POST /referrals/add`, the optional `service_identifier`, and the 403 (scope or
 * another subscriber's member) and 404 (unknown item) answers the reference leaves out.
 */
import featureBlocksJson from './reference/mydex-pdx-feature-blocks.json' with { type: 'json' };
import idaasJson from './reference/mydex-idaas.json' with { type: 'json' };
import type {
  Components,
  DocumentationPart,
  DocumentedOperation,
  HttpMethod,
  JsonSchema,
  OperationObject,
  ResponseObject,
  TagObject,
} from './openapi-types.ts';
import { renameRefs, sameMeaning, toOpenApi31 } from './reference-conversion.ts';

export interface ReferenceDocument {
  tags: TagObject[];
  paths: Record<string, Partial<Record<HttpMethod, OperationObject>>>;
  components: {
    schemas: Record<string, JsonSchema>;
    parameters?: Components['parameters'];
    securitySchemes: { oauth2: { flows: { clientCredentials: { scopes: Record<string, string> } } } };
  };
}

export const FEATURE_BLOCKS_REFERENCE = featureBlocksJson as unknown as ReferenceDocument;
export const IDAAS_REFERENCE = idaasJson as unknown as ReferenceDocument;
const IDAAS_GROUP = 'idaas';

const UUID = { type: 'string', format: 'uuid' } as const;
const SERVICE_IDENTIFIER = { ...UUID, description: "The referred service's identifier (Mydex's newer SDK revision)." };
const AUTH_ERROR = { $ref: '#/components/schemas/AuthErrorResponse' };
const ERROR = { $ref: '#/components/schemas/ErrorResponse' };
const json = (schema: JsonSchema) => ({ 'application/json': { schema } });

/** Schemas that carry `service_identifier` in the newer SDK revision (request bodies and views). */
const WITH_SERVICE_IDENTIFIER = [
  'ReferralCommonRequestBodyFields',
  'SecureMessageCommonFields',
  'ReferralListResponse_referrals_inner',
  'ReferralSingleResponse_referral',
  'TimelineItemReferral',
  'TimelineResponse_timeline_inner_oneOf',
  'SecureMessage',
  'TimelineItemSecureMessage',
  'TimelineResponse_timeline_inner_oneOf_1',
];

/** Operations addressing one stored item: an unknown id is a 404 in the block's error format. */
const ITEM_LOOKUPS = new Set(['/referrals/read-single', '/timeline/single-item']);

const FORBIDDEN: ResponseObject = {
  description: "Forbidden: the token lacks the route's scope, or the member key, uid or con_id belong to another connection.",
  content: json(AUTH_ERROR),
};

const REFERRAL_ADD: OperationObject = {
  operationId: 'postAddReferral',
  summary: 'Refers the member to another service.',
  description:
    "Writes a referral to the member's PDS for the service whose data sharing agreement has `remote_dssa_uuid`. " +
    '`complete` when the member is already connected to it; otherwise `pending`, with a one-time first-time-connection ' +
    '`url` and its `qr` code when `member_present` is true, or a `message` saying the member was sent the link.',
  tags: ['Referrals'],
  parameters: [
    { $ref: '#/components/parameters/ConnectionToken' },
    { $ref: '#/components/parameters/Uid' },
    { $ref: '#/components/parameters/ConId' },
  ],
  requestBody: { required: true, content: json({ $ref: '#/components/schemas/AddReferralRequestBody' }) },
  responses: {
    '200': { description: 'The referral was written.', content: json({ $ref: '#/components/schemas/AddReferralResponse' }) },
    '400': { description: 'Bad Request', content: json(ERROR) },
    '401': { description: 'Unauthorized', content: json(AUTH_ERROR) },
  },
  security: [{ oauth2: ['post:/referrals/add', 'mydex:pdx'] }],
};

const REFERRAL_ADD_SCHEMAS: Record<string, JsonSchema> = {
  AddReferralRequestBody: {
    type: 'object',
    required: ['remote_dssa_uuid', 'member_present', 'return_to', 'referral_data'],
    properties: {
      remote_dssa_uuid: { ...UUID, description: 'The UUID of the data sharing agreement of the service referred to.' },
      member_present: { type: 'boolean', description: 'Whether the member is with the caller now (then the link is returned).' },
      return_to: { type: 'string', format: 'uri', description: 'Where the member goes after the first-time connection.' },
      referral_data: {
        allOf: [{ $ref: '#/components/schemas/SelfReferralRequestBody' }, { type: 'object', required: ['service_identifier'] }],
      },
    },
  },
  AddReferralResponse: {
    type: 'object',
    required: ['success', 'status', 'referral_id'],
    properties: {
      success: { type: 'integer', const: 1 },
      status: { type: 'string', enum: ['complete', 'pending'] },
      message: { type: 'string', description: 'Pending, member not present: how the member was told.' },
      url: { type: 'string', format: 'uri', description: 'Pending, member present: the one-time first-time-connection link.' },
      qr: { type: 'string', description: 'Pending, member present: the link as a PNG QR code (a data: URL).' },
      referral_id: { type: 'integer' },
    },
  },
};

function operationsOf(ref: ReferenceDocument, group?: string): DocumentedOperation[] {
  return Object.entries(ref.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const responses: OperationObject['responses'] = { ...op.responses, '403': FORBIDDEN };
      if (ITEM_LOOKUPS.has(path)) responses['404'] = { description: 'No such item.', content: json(ERROR) };
      return {
        method: method as HttpMethod,
        path,
        operation: { ...op, responses },
        ...(group ? { group } : {}),
      };
    }),
  );
}

function featureBlockSchemas(): Record<string, JsonSchema> {
  const schemas = structuredClone(FEATURE_BLOCKS_REFERENCE.components.schemas);
  for (const name of WITH_SERVICE_IDENTIFIER) {
    const schema = schemas[name]!;
    schema.properties = { ...(schema.properties as JsonSchema), service_identifier: SERVICE_IDENTIFIER };
  }
  return { ...schemas, ...REFERRAL_ADD_SCHEMAS };
}

/** The component names `extra` must take so as not to clash with a different `base` component. */
function renamesFor(base: Record<string, unknown>, extra: Record<string, unknown>, prefix: string): Map<string, string> {
  const renames = new Map<string, string>();
  for (const [name, value] of Object.entries(extra)) {
    if (name in base && !sameMeaning(base[name], value)) renames.set(name, `${prefix}${name}`);
  }
  return renames;
}

function renamed<T>(record: Record<string, T>, renames: ReadonlyMap<string, string>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [renames.get(k) ?? k, v]));
}

export function featureBlockDocumentation(): DocumentationPart {
  const ref = FEATURE_BLOCKS_REFERENCE;
  const operations = operationsOf(ref);
  operations.push({ method: 'post', path: '/referrals/add', operation: REFERRAL_ADD });
  return toOpenApi31({
    tags: ref.tags,
    operations,
    components: { schemas: featureBlockSchemas(), parameters: ref.components.parameters ?? {} },
    scopes: {
      ...ref.components.securitySchemes.oauth2.flows.clientCredentials.scopes,
      'post:/referrals/add': 'Refer the member to another service',
    },
  });
}

/** IDaaS, its components renamed (`Idaas…`) where they clash in meaning with the feature blocks'. */
export function idaasDocumentation(base: Components): DocumentationPart {
  const ref = IDAAS_REFERENCE;
  const schemaRenames = renamesFor(base.schemas ?? {}, ref.components.schemas, 'Idaas');
  const parameterRenames = renamesFor(base.parameters ?? {}, ref.components.parameters ?? {}, 'Idaas');
  const rename = <T>(v: T) => renameRefs(renameRefs(v, 'schemas', schemaRenames), 'parameters', parameterRenames);
  const schemas = renamed(ref.components.schemas, schemaRenames);
  const parameters = renamed(ref.components.parameters ?? {}, parameterRenames);
  return toOpenApi31({
    tags: ref.tags,
    operations: rename(operationsOf(ref, IDAAS_GROUP)),
    components: rename({
      // a component with the same meaning as the feature blocks' is shared, not repeated
      schemas: Object.fromEntries(Object.entries(schemas).filter(([k]) => !(k in (base.schemas ?? {})))),
      parameters: Object.fromEntries(Object.entries(parameters).filter(([k]) => !(k in (base.parameters ?? {})))),
    }),
    scopes: ref.components.securitySchemes.oauth2.flows.clientCredentials.scopes,
  });
}
