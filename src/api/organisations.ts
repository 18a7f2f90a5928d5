import { z } from 'zod';
import { route } from './route.js';

/** An organisation of the helsefellesskap (no patient data). */
export const Organisation = z.object({
  id: z.string(),
  orgNumber: z.string(),
  name: z.string(),
  kind: z.enum(['municipality', 'hospital', 'gp_office']),
  helsefellesskap: z.string(),
});
export type Organisation = z.infer<typeof Organisation>;

export const organisationRoutes = {
  list: route({ method: 'GET', path: '/api/organisations', tag: 'organisations', summary: 'Organisations of the helsefellesskap, for enrolment and administration', response: z.object({ organisations: z.array(Organisation) }) }),
};
