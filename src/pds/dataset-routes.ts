/**
 * Contract §6 routes. Thin: parse the path and query, call DatasetService, present JSON or XML.
 * Paths: /api/pds/pds/{uid}.json|.xml and /api/pds/transaction[/{uid}.json|.xml].
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { PdxError } from '../errors.ts';
import { principalOf, requireBearer } from '../http/auth.ts';
import { parsePdxBody } from '../http/body.ts';
import type { DataCall, Query } from './dataset-service.ts';
import { parseIndex } from './dataset-params.ts';
import { orderedJson, renderXml, renderXmlRows, type Format } from './render.ts';

interface FileParams {
  file?: string;
}

/** `4020.json` → uid 4020, json; the uid may instead come from ?uid= on routes without a file. */
function target(req: FastifyRequest<{ Params: FileParams }>): { uid: number | undefined; format: Format } {
  const q = req.query as Query;
  const file = req.params.file;
  if (file === undefined) return { uid: parseIndex(q.uid, 'uid'), format: 'json' };
  const m = /^(\d{1,15})(?:\.(json|xml))?$/.exec(file);
  if (!m) throw new PdxError(404, 'Not found', 'The path must end in /{uid}.json or /{uid}.xml.');
  return { uid: Number(m[1]), format: (m[2] as Format | undefined) ?? 'json' };
}

function dataCall(req: FastifyRequest<{ Params: FileParams }>, uid: number | undefined): DataCall {
  const q = req.query as Query;
  const header = req.headers['connection-token'];
  return { principal: principalOf(req), uid, conId: q.con_id, key: q.key ?? (typeof header === 'string' ? header : undefined) };
}

function send(reply: FastifyReply, format: Format, value: unknown): FastifyReply {
  // Personal data: never cached (BT-08).
  reply.header('cache-control', 'no-store');
  if (format === 'xml') return reply.type('application/xml; charset=utf-8').send(renderXml(value));
  return reply.type('application/json; charset=utf-8').send(JSON.stringify(value));
}

const SUCCESS = { success: 1 };

export function registerDatasetRoutes(app: FastifyInstance, ctx: AppContext): void {
  const auth = requireBearer(ctx.oauth);
  const svc = ctx.datasets;

  app.route<{ Params: FileParams }>({
    method: 'GET',
    url: '/api/pds/pds/:file',
    preHandler: auth,
    handler: async (req, reply) => {
      const t = target(req);
      return send(reply, t.format, await svc.readMetadata(dataCall(req, t.uid), req.query as Query));
    },
  });

  for (const method of ['POST', 'PUT'] as const) {
    app.route<{ Params: FileParams }>({
      method,
      url: '/api/pds/pds/:file',
      preHandler: auth,
      handler: async (req, reply) => {
        const t = target(req);
        await svc.writeMetadata(dataCall(req, t.uid), req.query as Query, parsePdxBody(req.body));
        return send(reply, t.format, SUCCESS);
      },
    });
  }

  app.route<{ Params: FileParams }>({
    method: 'DELETE',
    url: '/api/pds/pds/:file',
    preHandler: auth,
    handler: async (req, reply) => {
      const t = target(req);
      await svc.clearMetadata(dataCall(req, t.uid), req.query as Query);
      return send(reply, t.format, SUCCESS);
    },
  });

  app.route<{ Params: FileParams }>({
    method: 'GET',
    url: '/api/pds/transaction/:file',
    preHandler: auth,
    handler: async (req, reply) => {
      const t = target(req);
      const rows = await svc.readRows(dataCall(req, t.uid), req.query as Query);
      reply.header('cache-control', 'no-store');
      if (t.format === 'xml') return reply.type('application/xml; charset=utf-8').send(renderXmlRows(rows));
      return reply.type('application/json; charset=utf-8').send(orderedJson(rows));
    },
  });

  for (const url of ['/api/pds/transaction', '/api/pds/transaction/:file']) {
    app.route<{ Params: FileParams }>({
      method: 'POST',
      url,
      preHandler: auth,
      handler: async (req, reply) => {
        const t = target(req);
        return send(reply, t.format, await svc.insertRows(dataCall(req, t.uid), req.query as Query, parsePdxBody(req.body)));
      },
    });
  }

  app.route<{ Params: FileParams }>({
    method: 'PUT',
    url: '/api/pds/transaction/:file',
    preHandler: auth,
    handler: async (req, reply) => {
      const t = target(req);
      await svc.updateRow(dataCall(req, t.uid), req.query as Query, parsePdxBody(req.body));
      return send(reply, t.format, SUCCESS);
    },
  });

  app.route<{ Params: FileParams }>({
    method: 'DELETE',
    url: '/api/pds/transaction/:file',
    preHandler: auth,
    handler: async (req, reply) => {
      const t = target(req);
      await svc.deleteRow(dataCall(req, t.uid), req.query as Query);
      return send(reply, t.format, SUCCESS);
    },
  });
}
