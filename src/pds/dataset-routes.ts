/**
 * Contract §6 routes. Thin: parse the path and query, call DatasetService, present JSON or XML.
 * Paths: /api/pds/pds/{uid}.json|.xml and /api/pds/transaction[/{uid}.json|.xml].
 */
import type { FastifyInstance, FastifyRequest, HTTPMethods } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { PdxError } from '../errors.ts';
import { wholeNumber } from '../ids.ts';
import { principalOf, requireBearer } from '../http/auth.ts';
import { parsePdxBody } from '../http/body.ts';
import { BODY_LIMITS } from '../http/body-limits.ts';
import { PDX_API, registerRouteFamily } from '../http/route-family.ts';
import { datasetRouteSchema } from './dataset-docs.ts';
import type { DataCaller } from './dataset-service.ts';
import * as parse from './dataset-requests.ts';
import type { WireFields } from '../wire.ts';
import { parseIndex } from './dataset-params.ts';
import { metadataJson, renderXml, renderXmlRows, type Format } from './render.ts';
import { RowPage } from './row-page.ts';

interface FileParams {
  file?: string;
}

/** `4020.json` → uid 4020, json; the uid may instead come from ?uid= on routes without a file. */
function target(req: FastifyRequest<{ Params: FileParams }>): { uid: number | undefined; format: Format } {
  const q = req.query as WireFields;
  const file = req.params.file;
  if (file === undefined) return { uid: parseIndex(q.uid, 'uid'), format: 'json' };
  const m = /^(\d{1,15})(?:\.(json|xml))?$/.exec(file);
  const uid = m ? wholeNumber(m[1]) : undefined;
  if (!m || uid === undefined) throw new PdxError(404, 'Not found', 'The path must end in /{uid}.json or /{uid}.xml.');
  return { uid, format: (m[2] as Format | undefined) ?? 'json' };
}

/** The caller: the bearer's principal, and the connection and member key from the query or header. */
function dataCaller(req: FastifyRequest, uid: number | undefined): DataCaller {
  const q = req.query as WireFields;
  const header = req.headers['connection-token'];
  const key = q.key ?? (typeof header === 'string' ? header : undefined);
  return { principal: principalOf(req), uid, conId: text(q.con_id), key: text(key) };
}

/** A query value that should be text: anything else (absent, a list, an object) is empty, and refused as such. */
function text(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

const SUCCESS = { success: 1 };

type Handler = (call: DataCaller, q: WireFields, req: FastifyRequest<{ Params: FileParams }>) => Promise<unknown>;
/** JSON for a route whose result has a faster writer than JSON.stringify */
type Json = (result: never) => string;

export function registerDatasetRoutes(app: FastifyInstance, ctx: AppContext): void {
  registerRouteFamily(app, PDX_API, (api) => datasetRoutes(api, ctx));
}

function datasetRoutes(app: FastifyInstance, ctx: AppContext): void {
  const auth = requireBearer(ctx.oauth);
  const svc = ctx.datasets;
  const { catalogue } = ctx;
  const body = (req: FastifyRequest) => parsePdxBody(req.body);
  const done = (p: Promise<void>) => p.then(() => SUCCESS);

  // [method, url, handler, json?]: one row per route of contract §6; each parses its request, then calls the service.
  const routes: [HTTPMethods, string, Handler, Json?][] = [
    ['GET', '/api/pds/pds/:file', (c, q) => svc.readMetadata(c, parse.metadataRead(q, catalogue)), metadataJson],
    ['POST', '/api/pds/pds/:file', (c, q, r) => done(svc.writeMetadata(c, parse.metadataWrite(q, body(r), catalogue)))],
    ['PUT', '/api/pds/pds/:file', (c, q, r) => done(svc.writeMetadata(c, parse.metadataWrite(q, body(r), catalogue)))],
    ['DELETE', '/api/pds/pds/:file', (c, q) => done(svc.clearMetadata(c, parse.metadataClear(q, catalogue)))],
    ['GET', '/api/pds/transaction/:file', (c, q) => svc.readRowPage(c, parse.rowsRead(q, catalogue))],
    ['POST', '/api/pds/transaction', (c, q, r) => svc.insertRows(c, parse.rowsInsert(q, body(r), catalogue))],
    ['POST', '/api/pds/transaction/:file', (c, q, r) => svc.insertRows(c, parse.rowsInsert(q, body(r), catalogue))],
    ['PUT', '/api/pds/transaction/:file', (c, q, r) => done(svc.updateRow(c, parse.rowUpdate(q, body(r), catalogue)))],
    ['DELETE', '/api/pds/transaction/:file', (c, q) => done(svc.deleteRow(c, parse.rowDelete(q, catalogue)))],
  ];

  for (const [method, url, handle, json = JSON.stringify as Json] of routes) {
    app.route<{ Params: FileParams }>({
      method,
      url,
      // Writes carry up to a batch of rows (every route here, so the limit does not depend on the method).
      bodyLimit: BODY_LIMITS.datasetWrite,
      schema: datasetRouteSchema(method, url),
      onRequest: auth,
      handler: async (req, reply) => {
        const t = target(req);
        const result = await handle(dataCaller(req, t.uid), req.query as WireFields, req);
        // Personal data: never cached (BT-08).
        reply.header('cache-control', 'no-store');
        if (result instanceof RowPage) {
          // Rows keyed by id, in the requested order.
          if (t.format === 'xml') return reply.type('application/xml; charset=utf-8').send(renderXmlRows(result.entries()));
          return reply.type('application/json; charset=utf-8').send(result.json());
        }
        if (t.format === 'xml') return reply.type('application/xml; charset=utf-8').send(renderXml(result));
        return reply.type('application/json; charset=utf-8').send(json(result as never));
      },
    });
  }
}
