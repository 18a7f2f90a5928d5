import { z } from 'zod';
import { route } from './route.js';

export const systemRoutes = {
  health: route({
    method: 'GET', path: '/api/health', tag: 'system', summary: 'Liveness: the server answers and knows its database', public: true,
    response: z.object({ status: z.literal('ok'), db: z.enum(['pglite', 'postgres']) }),
  }),
};
