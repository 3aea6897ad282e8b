// STUB — replaced by the connections implementation.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.ts';

export function registerConnectionRoutes(_app: FastifyInstance, _ctx: AppContext): void {}
