import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const ConfigSchema = z
  .object({
    HOST: z.string().default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    /** Where browsers reach us; OIDC redirect URIs are built from it. Defaults to http://HOST:PORT. */
    PUBLIC_URL: z.url().optional(),
    /** A real PostgreSQL; unset = embedded PGlite in PGLITE_DIR. */
    DATABASE_URL: z.string().optional(),
    PGLITE_DIR: z.string().default('./data/pglite'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    SESSION_TTL_HOURS: z.coerce.number().positive().default(10),
    /** Seeds the demo helsefellesskap when the database has no organisations yet. */
    DEMO: bool.default(false),
    /** Runs the local OIDC provider at /idp (demo and tests). Production points at HelseID and ID-porten. */
    LOCAL_IDP: bool.optional(),
    HELSEID_ISSUER: z.url().optional(),
    HELSEID_CLIENT_ID: z.string().optional(),
    HELSEID_CLIENT_SECRET: z.string().optional(),
    IDPORTEN_ISSUER: z.url().optional(),
    IDPORTEN_CLIENT_ID: z.string().optional(),
    IDPORTEN_CLIENT_SECRET: z.string().optional(),
    /** ID-porten assurance levels accepted for patients. */
    IDPORTEN_ACR: z.string().default('idporten-loa-high,idporten-loa-substantial'),
    /** Signs the local IdP's cookies; random per process when unset (logins then do not survive restarts). */
    COOKIE_SECRET: z.string().min(16).optional(),
  })
  .transform((c) => {
    const publicUrl = (c.PUBLIC_URL ?? `http://${c.HOST}:${c.PORT}`).replace(/\/$/, '');
    const localIdp = c.LOCAL_IDP ?? !(c.HELSEID_ISSUER || c.IDPORTEN_ISSUER);
    return { ...c, PUBLIC_URL: publicUrl, LOCAL_IDP: localIdp };
  })
  .superRefine((c, ctx) => {
    if (!c.LOCAL_IDP) {
      for (const k of ['HELSEID_ISSUER', 'HELSEID_CLIENT_ID', 'IDPORTEN_ISSUER', 'IDPORTEN_CLIENT_ID'] as const) {
        if (!c[k]) ctx.addIssue({ code: 'custom', path: [k], message: `${k} is required when LOCAL_IDP is off` });
      }
    }
  });

export type Config = z.infer<typeof ConfigSchema>;

/** Reads configuration from the environment; a bad value stops start-up with a readable list. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Record<string, string> = {}): Config {
  const r = ConfigSchema.safeParse({ ...pickDefined(env), ...overrides });
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join('.') || '(config)'}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return r.data;
}

function pickDefined(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}
