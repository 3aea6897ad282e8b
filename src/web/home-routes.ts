/** `/`: the landing page, for anyone who arrives at the bare address. */
import type { FastifyInstance } from 'fastify';
import { homePage } from './views/home-views.ts';
import type { Web } from './web-context.ts';

export function registerHomeRoutes(app: FastifyInstance, web: Web): void {
  app.get('/', async (req, reply) => web.send(reply, homePage(await web.chrome(req))));
}
