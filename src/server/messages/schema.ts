import { z } from 'zod';

/** A message to or from the patient; long enough for a real answer, short enough to stay a message. */
export const MessageBody = z.object({ body: z.string().trim().min(1, 'Write a message').max(4000) });

/** Marking a patient's messages handled without a written reply: optionally why (e.g. "ringte pasienten"). */
export const HandleBody = z.object({
  note: z
    .string()
    .trim()
    .max(1000)
    .optional()
    .transform((s) => (s ? s : null)),
});
