import { z } from 'zod';
import { RecordBody } from '../observations/schema.js';
import { NorwegianId } from '../patients/schema.js';

/** The patient names a relative who may enter readings for them (their own ID-porten identity). */
export const GrantBody = z.object({
  name: z.string().trim().min(2, 'Write the name (at least 2 characters)').max(200),
  identifier: NorwegianId,
  relation: z.string().trim().max(100).optional(),
});
export type GrantBody = z.infer<typeof GrantBody>;

/** Which delegation to revoke: by its id (the app), or by the relative's number (the patient may only know that). */
export const RevokeBody = z.union([z.object({ id: z.uuid() }), z.object({ identifier: NorwegianId })]);
export type RevokeBody = z.infer<typeof RevokeBody>;

/** A sitting entered on the patient's behalf: as the patient's own, without a Bluetooth device (the device is lent to the patient). */
export const OnBehalfBody = RecordBody.refine((b) => b.device === undefined, { path: ['device'], message: 'A lent device reports for its own patient; enter the numbers instead' });
export type OnBehalfBody = z.infer<typeof OnBehalfBody>;
