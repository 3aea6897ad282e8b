/**
 * Consent receipts for subscribers (docs/consent-receipts.md): one receipt by id, and a
 * connection's receipts a page at a time, each only to the organisation that owns the connection
 * (anything else is "not found", never "forbidden": ids say nothing about other organisations).
 * The keys that verify them, every one ever used, are public. And the organisation's own end of a
 * connection with a member (POST /api/connection/withdraw), which makes a receipt like the
 * member's withdrawal does.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../app-context.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { wholeNumber } from '../ids.ts';
import { principalOf, requireBearer } from '../http/auth.ts';
import { PDX_API, registerRouteFamily } from '../http/route-family.ts';
import { parsePdxBody } from '../http/body.ts';
import { BEARER_ERRORS, jsonResponse, NO_SECURITY, PDX_SECURITY, pdxBody } from '../openapi/operation-builders.ts';
import { ref } from '../openapi/pdx-components.ts';
import type { RouteSchema } from '../openapi/route-schema.ts';
import type { ReceiptRow } from './consent-receipt-store.ts';
import { RECEIPT_KEYS_PATH } from './receipt-format.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

const receiptSchema = {
  type: 'object',
  required: ['id', 'nid', 'con_id', 'sequence', 'event', 'created_at', 'receipt'],
  properties: {
    id: { type: 'string', description: 'The receipt id (its jti, a UUID)' },
    nid: { type: 'integer', description: 'The connection' },
    con_id: { type: 'string', description: 'The member’s pairwise identifier for the connection' },
    sequence: { type: 'integer', description: '1, 2, … in the chain of this member and connection' },
    event: { type: 'string', enum: ['consent.given', 'consent.updated', 'consent.withdrawn'] },
    created_at: { type: 'integer', description: 'Unix seconds' },
    receipt: {
      type: 'string',
      description:
        'The signed receipt: a compact JWS (ES256, typ consent-receipt+jwt) whose consent_record claim holds the ISO/IEC TS 27560 fields',
    },
  },
} as const;

const errors = { '400': ref('responses', 'BadRequest'), ...BEARER_ERRORS, '404': ref('responses', 'NotFound') };

const getSchema: RouteSchema = {
  operationId: 'getConsentReceipt',
  tags: ['Consent receipts'],
  summary: 'One signed consent receipt of a connection of yours.',
  description:
    'Beyond Mydex. Every consent event (consent, consent to a newer agreement, withdrawal, the member’s deletion) has a receipt, signed with a key of /.well-known/consent-receipt-keys.json and chained per member and connection; the consent callback carries it as consent_receipt.',
  security: PDX_SECURITY,
  params: Type.Object({ id: Type.String({ description: 'The receipt id (a UUID)' }) }),
  responses: { '200': jsonResponse('The receipt.', receiptSchema), ...errors },
};

const listSchema: RouteSchema = {
  operationId: 'listConsentReceipts',
  tags: ['Consent receipts'],
  summary: 'The consent receipts of a connection of yours, oldest first, a page at a time.',
  description: `Pages of \`limit\` (default ${DEFAULT_PAGE}, at most ${MAX_PAGE}); pass the answer’s \`next\` as \`after\` for the next page.`,
  security: PDX_SECURITY,
  querystring: Type.Object({
    // Optional to the schema so that its absence gets this route's own message; required in fact.
    nid: Type.Optional(Type.String({ description: 'The connection’s NID (required)' })),
    limit: Type.Optional(Type.String({ description: `Receipts per page (1–${MAX_PAGE})` })),
    after: Type.Optional(Type.String({ description: 'The id of the last receipt of the previous page' })),
  }),
  responses: {
    '200': jsonResponse('A page of receipts.', {
      type: 'object',
      required: ['receipts', 'next'],
      properties: { receipts: { type: 'array', items: receiptSchema }, next: { type: ['string', 'null'] } },
    }),
    ...errors,
  },
};

const withdrawSchema: RouteSchema = {
  operationId: 'withdrawConnection',
  tags: ['Consent receipts'],
  summary: 'Ends your connection with a member, and answers the signed receipt of it.',
  description:
    'Beyond Mydex. The organisation, not the member, ends the connection: the member’s grant ends immediately and the member key stops working; ' +
    'the member is told by email, and a consent receipt records it (event consent.withdrawn, by controller). ' +
    'Identify the member as in a data call: con_id and the member key (in the body as key, or a Connection-Token header). ' +
    'Wrong or stale credentials are the usual uniform 403.',
  security: PDX_SECURITY,
  requestBody: pdxBody({
    type: 'object',
    required: ['con_id'],
    properties: {
      con_id: { type: 'string', description: 'The connection id the consent callback sent (<uid>-<nid>)' },
      key: { type: 'string', description: 'The member key the consent callback sent (or the Connection-Token header)' },
    },
  }),
  responses: {
    '200': jsonResponse('The connection ended.', {
      type: 'object',
      required: ['withdrawn', 'receipt'],
      properties: { withdrawn: { type: 'boolean', description: 'Always true' }, receipt: receiptSchema },
    }),
    ...errors,
  },
};

const keysSchema: RouteSchema = {
  operationId: 'getConsentReceiptKeys',
  tags: ['Consent receipts'],
  summary: 'Every public key consent receipts were signed with (RFC 7517), retired ones too.',
  security: NO_SECURITY,
  responses: { '200': jsonResponse('The key set.', ref('schemas', 'JsonWebKeySet')) },
};

export function registerReceiptRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(RECEIPT_KEYS_PATH, { schema: keysSchema }, async () => ctx.oauth.everySigningKey());
  registerRouteFamily(app, PDX_API, (scope) => {
    const auth = requireBearer(ctx.oauth);

    /** The connection, when it is the caller's organisation's. */
    const ownConnection = async (orgId: number, nid: number) => {
      const connection = await ctx.connections.getConnection(nid);
      return connection?.orgId === orgId ? connection : undefined;
    };

    scope.get('/api/consent-receipts/:id', { onRequest: auth, schema: getSchema }, async (req) => {
      const { id } = req.params as { id: string };
      if (!UUID.test(id))
        throw new ValidationError('Invalid receipt id', 'A receipt id is a UUID, as in the callback’s consent_receipt jti.');
      const receipt = await ctx.receipts.get(id);
      if (!receipt || !(await ownConnection(principalOf(req).orgId, receipt.nid))) throw new NotFoundError('Receipt not found');
      return view(receipt);
    });

    scope.post('/api/connection/withdraw', { onRequest: auth, schema: withdrawSchema }, async (req) => {
      const body = parsePdxBody(req.body);
      const header = req.headers['connection-token'];
      const key = body.key ?? (typeof header === 'string' ? header : undefined);
      const access = await ctx.members.access.check(principalOf(req), text(body.con_id), text(key), []);
      access.keys.wipe();
      const receipt = await ctx.consent.withdrawByOrganisation(access.uid, access.nid);
      // Ended between the check and here (by the member, or a call just before): nothing left to end.
      if (!receipt) throw new NotFoundError('No active connection', 'The connection with this member has already ended.');
      return { withdrawn: true, receipt: view(receipt) };
    });

    scope.get('/api/consent-receipts', { onRequest: auth, schema: listSchema }, async (req) => {
      const q = req.query as { nid?: string; limit?: string; after?: string };
      const nid = optionalNumber(q.nid, 'nid');
      if (nid === undefined) throw new ValidationError('nid is required', 'Give the connection’s NID: ?nid=…');
      const limit = optionalNumber(q.limit, 'limit') ?? DEFAULT_PAGE;
      if (limit < 1 || limit > MAX_PAGE) throw new ValidationError('Invalid limit', `limit is from 1 to ${MAX_PAGE}.`);
      if (!(await ownConnection(principalOf(req).orgId, nid))) throw new NotFoundError('Unknown connection');
      let after: ReceiptRow | undefined;
      if (q.after !== undefined) {
        after = UUID.test(q.after) ? await ctx.receipts.get(q.after) : undefined;
        if (after?.nid !== nid)
          throw new ValidationError('Invalid after', 'after is the id of a receipt of this connection (the last page’s next).');
      }
      const rows = await ctx.receipts.ofConnection(nid, limit + 1, after && { createdAt: after.created_at, id: after.id });
      const page = rows.slice(0, limit);
      return { receipts: page.map(view), next: rows.length > limit ? page.at(-1)!.id : null };
    });
  });
}

function view(r: ReceiptRow) {
  return {
    id: r.id,
    nid: r.nid,
    con_id: r.con_id,
    sequence: r.sequence,
    event: r.event,
    created_at: r.created_at,
    receipt: r.jws,
  };
}

/** A body value that should be text: anything else is empty, and refused as missing. */
function text(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** An optional whole-number query value (ids.ts wholeNumber); anything else is refused by name. */
function optionalNumber(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = wholeNumber(value);
  if (n === undefined) throw new ValidationError(`Invalid ${name}`, `${name} is a whole number.`);
  return n;
}
