import { z } from 'zod';

/** Emergency access lasts at most one working shift; a longer need is a care relation, not an emergency. */
export const EMERGENCY_MAX_HOURS = 8;
export const EMERGENCY_DEFAULT_HOURS = 4;
export const EMERGENCY_REASON_MIN = 20;

/**
 * A reason a reviewer can judge afterwards: at least EMERGENCY_REASON_MIN characters, at least two
 * words of letters, and not one character repeated ("aaaaaaaa…", "........").
 * @returns an error message, or null when the reason is acceptable
 */
export function emergencyReasonProblem(reason: string): string | null {
  const s = reason.trim();
  if (s.length < EMERGENCY_REASON_MIN) return `Explain the clinical need (at least ${EMERGENCY_REASON_MIN} characters)`;
  const compact = s.replace(/\s+/g, '');
  if (new Set(compact.toLowerCase()).size < 4) return 'Explain the clinical need in words';
  const words = s.match(/\p{L}{2,}/gu) ?? [];
  if (words.length < 2 || new Set(words.map((w) => w.toLowerCase())).size < 2) return 'Explain the clinical need in words (at least two different words)';
  return null;
}

export const EmergencyBody = z.object({
  reason: z
    .string()
    .trim()
    .max(1000)
    .superRefine((s, ctx) => {
      const problem = emergencyReasonProblem(s);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  hours: z.number().int().min(1).max(EMERGENCY_MAX_HOURS).default(EMERGENCY_DEFAULT_HOURS),
});
export const ReviewBody = z.object({ note: z.string().trim().min(3).max(1000) });
export const MemberBody = z.object({
  hpr: z.string().trim().regex(/^\d{7,9}$/, 'HPR number: 7–9 digits'),
  name: z.string().trim().min(2).max(200),
  role: z.enum(['nurse', 'gp', 'specialist', 'coordinator', 'admin']),
});
export const SwitchBody = z.object({ organisationId: z.uuid(), role: z.enum(['nurse', 'gp', 'specialist', 'coordinator', 'admin']) });
