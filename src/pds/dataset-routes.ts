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
import type { DataCall, Query } from './dataset-service.ts';
import { parseIndex } from './dataset-params.ts';
import { metadataJson, renderXml, renderXmlRows, type Format } from './render.ts';
import { RowPage } from './row-page.ts';

interface FileParams {
  file?: string;
}

/** `4020.json` → uid 4020, json; the uid may instead come from ?uid= on routes without a file. */
function target(req: FastifyRequest<{ Params: FileParams }>): { uid: number | undefined; format: Format } {
  const q = req.query as Query;
  const file = req.params.file;
  if (file === undefined) return { uid: parseIndex(q.uid, 'uid'), format: 'json' };
  const m = /^(\d{1,15})(?:\.(json|xml))?$/.exec(file);
  const uid = m ? wholeNumber(m[1]) : undefined;
  if (!m || uid === undefined) throw new PdxError(404, 'Not found', 'The path must end in /{uid}.json or /{uid}.xml.');
  return { uid, format: (m[2] as Format | undefined) ?? 'json' };
}

function dataCall(req: FastifyRequest<{ Params: FileParams }>, uid: number | undefined): DataCall {
  const q = req.query as Query;
  const header = req.headers['connection-token'];
  return { principal: principalOf(req), uid, conId: q.con_id, key: q.key ?? (typeof header === 'string' ? header : undefined) };
}

const SUCCESS = { success: 1 };

type Handler = (call: DataCall, q: Query, req: FastifyRequest<{ Params: FileParams }>) => Promise<unknown>;
/** JSON for a route whose result has a faster writer than JSON.stringify */
type Json = (result: never) => string;

export function registerDatasetRoutes(app: FastifyInstance, ctx: AppContext): void {
  const auth = requireBearer(ctx.oauth);
  const svc = ctx.datasets;
  const body = (req: FastifyRequest) => parsePdxBody(req.body);
  const done = (p: Promise<void>) => p.then(() => SUCCESS);

  // [method, url, handler, json?]: one row per route of contract §6.
  const routes: [HTTPMethods, string, Handler, Json?][] = [
    ['GET', '/api/pds/pds/:file', (c, q) => svc.readMetadata(c, q), metadataJson],
    ['POST', '/api/pds/pds/:file', (c, q, r) => done(svc.writeMetadata(c, q, body(r)))],
    ['PUT', '/api/pds/pds/:file', (c, q, r) => done(svc.writeMetadata(c, q, body(r)))],
    ['DELETE', '/api/pds/pds/:file', (c, q) => done(svc.clearMetadata(c, q))],
    ['GET', '/api/pds/transaction/:file', (c, q) => svc.readRowPage(c, q)],
    ['POST', '/api/pds/transaction', (c, q, r) => svc.insertRows(c, q, body(r))],
    ['POST', '/api/pds/transaction/:file', (c, q, r) => svc.insertRows(c, q, body(r))],
    ['PUT', '/api/pds/transaction/:file', (c, q, r) => done(svc.updateRow(c, q, body(r)))],
    ['DELETE', '/api/pds/transaction/:file', (c, q) => done(svc.deleteRow(c, q))],
  ];

  for (const [method, url, handle, json = JSON.stringify as Json] of routes) {
    app.route<{ Params: FileParams }>({
      method,
      url,
      onRequest: auth,
      handler: async (req, reply) => {
        const t = target(req);
        const result = await handle(dataCall(req, t.uid), req.query as Query, req);
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
