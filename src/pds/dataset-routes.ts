// STUB — being written by the lead.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.ts';

export function registerDatasetRoutes(_app: FastifyInstance, _ctx: AppContext): void {}
