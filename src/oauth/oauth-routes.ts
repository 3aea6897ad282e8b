// STUB — replaced by the OAuth implementation.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.ts';

export function registerOAuthRoutes(_app: FastifyInstance, _ctx: AppContext): void {}
