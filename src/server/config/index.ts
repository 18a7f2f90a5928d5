import { z } from 'zod';

/** A PostgreSQL memory size as postgresql.conf takes it (32MB, 512kB, 1GB). */
export const PgSize = z.string().regex(/^\d+(kB|MB|GB)$/, 'a PostgreSQL size such as 32MB');

/**
 * PostgreSQL's buffer pool inside PGlite (db/pglite.ts). PGlite's own setting (the data directory's
 * postgresql.conf) is 128 MB, and all of it is resident from the start: the WebAssembly build
 * allocates shared memory zeroed, and WebAssembly memory never shrinks. A page outside the pool is
 * one read from the OS page cache (not counted in the process's RSS). At 64 MB, 10 000 patients'
 * ingest and worklist cost the same CPU as at 128 MB and the idle server is ~65 MB smaller; 32 MB
 * saves ~35 MB more at idle but nothing once the server has worked, and reads more pages
 * (bench/README.md, "PGlite memory (round 5)"). VARDE_PGLITE_SHARED_BUFFERS overrides it (a
 * PostgreSQL size, e.g. 32MB or 128MB).
 */
export const PGLITE_SHARED_BUFFERS = '64MB';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** What production needs instead of the local test IdP, with what each one is for. */
const PRODUCTION_IDP_SETTINGS = {
  HELSEID_ISSUER: 'HelseID issuer URL (personnel login)',
  HELSEID_CLIENT_ID: 'client id registered with HelseID',
  HELSEID_CLIENT_SECRET: 'client secret registered with HelseID',
  IDPORTEN_ISSUER: 'ID-porten issuer URL (patient login)',
  IDPORTEN_CLIENT_ID: 'client id registered with ID-porten',
  IDPORTEN_CLIENT_SECRET: 'client secret registered with ID-porten',
} as const;

/** Placeholders a video link template may use: ids only, never the patient's name or number. */
export const VIDEO_PLACEHOLDERS = ['episodeId', 'patientId', 'organisationNumber'] as const;

/**
 * A video link template: an https URL (a consultation over plain http would leak the room), with
 * only the known placeholders, that is still a valid URL once they are filled in.
 */
export const VideoLinkTemplate = z.string().trim().superRefine((t, ctx) => {
  const unknown = [...t.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]!).filter((p) => !(VIDEO_PLACEHOLDERS as readonly string[]).includes(p));
  if (unknown.length > 0) ctx.addIssue({ code: 'custom', message: `unknown placeholder(s) ${unknown.map((u) => `{${u}}`).join(', ')}; use ${VIDEO_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}` });
  let url: URL | null = null;
  try {
    url = new URL(t.replace(/\{[^}]*\}/g, 'x'));
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a URL' });
    return;
  }
  if (url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: 'must be an https:// link' });
  if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not carry a user name or password' });
});

const ConfigSchema = z
  .object({
    /** `production` (or `start --production`) refuses every demo convenience; see SECURITY.md. */
    NODE_ENV: z.string().optional(),
    HOST: z.string().default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    /** Where browsers reach us; OIDC redirect URIs and the CSRF origin check are built from it. Defaults to http://HOST:PORT. */
    PUBLIC_URL: z.url().optional(),
    /**
     * Which proxies may set X-Forwarded-For/-Proto: `loopback` (default), `false`, `true` (any:
     * only behind a proxy that overwrites the header), or comma-separated addresses/CIDRs.
     * Rate limits are per client address, so trusting too much lets a caller pick its own address.
     */
    TRUST_PROXY: z.string().default('loopback'),
    /** A real PostgreSQL; unset = embedded PGlite in PGLITE_DIR. */
    DATABASE_URL: z.string().optional(),
    /**
     * A PostgreSQL streaming replica of DATABASE_URL for reads that tolerate a little lag (reports,
     * FHIR searches, trend lists); unset = every read on the primary. See docs/SCALING.md.
     */
    DATABASE_READ_URL: z.string().optional(),
    /** After a caller's write, their reads stay on the primary this long (read-your-writes despite replica lag). */
    DATABASE_READ_STICKY_MS: z.coerce.number().int().min(0).default(5_000),
    /** Reads leave a replica that is further behind the primary than this, until it catches up. */
    DATABASE_READ_MAX_LAG_MS: z.coerce.number().int().positive().default(10_000),
    /**
     * `0`: send statements unnamed instead of preparing them once per PostgreSQL connection (for a
     * transaction-mode pooler without max_prepared_statements; docs/SCALING.md).
     */
    VARDE_PG_PREPARE: z.enum(['0', '1']).default('1').transform((v) => v === '1'),
    PGLITE_DIR: z.string().default('./data/pglite'),
    /** PGlite's buffer pool (PGLITE_SHARED_BUFFERS above): a PostgreSQL size such as 32MB. */
    VARDE_PGLITE_SHARED_BUFFERS: PgSize.default(PGLITE_SHARED_BUFFERS),
    /** `1`: let V8 recompile PGlite's WebAssembly with TurboFan (faster, with a ~600 MB RSS peak after start; db/pglite.ts). */
    VARDE_PGLITE_WASM_TIERUP: z.enum(['0', '1']).default('0').transform((v) => v === '1'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Absolute session lifetime, however active the session is. */
    SESSION_TTL_HOURS: z.coerce.number().positive().default(10),
    /** Idle timeouts (sliding: every request moves them on). Shared and lent devices make these matter. */
    SESSION_IDLE_MINUTES_PERSONNEL: z.coerce.number().positive().default(30),
    SESSION_IDLE_MINUTES_PATIENT: z.coerce.number().positive().default(60),
    /** Requests per minute and client address on each login route and on the token endpoint. */
    AUTH_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(30),
    /** Token requests per minute for one client id, from wherever they come. */
    CLIENT_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(10),
    /** Consecutive wrong secrets after which a device client is locked until an administrator lifts it. */
    CLIENT_LOCKOUT_AFTER: z.coerce.number().int().positive().default(10),
    /** Seeds the demo helsefellesskap when the database has no organisations yet. */
    DEMO: bool.default(false),
    /** Runs the local OIDC provider at /idp (demo and tests). Production points at HelseID and ID-porten. */
    LOCAL_IDP: bool.optional(),
    HELSEID_ISSUER: z.url().optional(),
    HELSEID_CLIENT_ID: z.string().optional(),
    HELSEID_CLIENT_SECRET: z.string().optional(),
    /**
     * Lowest HelseID security level (claim helseid://claims/identity/security_level) accepted for
     * personnel. 4 = high (BankID, Buypass, Commfides smart cards), as Normen requires for health data.
     */
    HELSEID_SECURITY_LEVEL: z.coerce.number().int().min(1).max(4).default(4),
    IDPORTEN_ISSUER: z.url().optional(),
    IDPORTEN_CLIENT_ID: z.string().optional(),
    IDPORTEN_CLIENT_SECRET: z.string().optional(),
    /** ID-porten assurance levels accepted for patients; `idporten-loa-substantial` only when added here on purpose. */
    IDPORTEN_ACR: z.string().default('idporten-loa-high'),
    /** Signs the login-state cookie and the local IdP's cookies; random per process when unset (required in production). */
    COOKIE_SECRET: z.string().min(16).optional(),
    /**
     * The municipality's existing video service (issue 12, contact by video): a link template the
     * clinic opens in a new tab, e.g. `https://video.example.kommune.no/room/{episodeId}`. Varde
     * runs no video itself. Unset = no video button. See notes/video.ts for the placeholders.
     */
    VIDEO_LINK_TEMPLATE: VideoLinkTemplate.optional(),
    /**
     * Per follow-up service, when services use different video services: JSON object from the
     * organisation number (9 digits) to a template, e.g. `{"900000001":"https://…/{episodeId}"}`.
     * A service not listed uses VIDEO_LINK_TEMPLATE.
     */
    VIDEO_LINK_TEMPLATES: z
      .string()
      .transform((s, ctx) => {
        try {
          return JSON.parse(s) as unknown;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'must be a JSON object from organisation number to link template' });
          return z.NEVER;
        }
      })
      .pipe(z.record(z.string().regex(/^\d{9}$/, 'keys are 9-digit organisation numbers'), VideoLinkTemplate))
      .optional(),
  })
  .transform((c) => {
    const production = c.NODE_ENV === 'production';
    const publicUrl = (c.PUBLIC_URL ?? `http://${c.HOST}:${c.PORT}`).replace(/\/$/, '');
    // Production never falls back to the test IdP: missing HelseID/ID-porten settings are an error, not a demo.
    const localIdp = c.LOCAL_IDP ?? (!production && !(c.HELSEID_ISSUER || c.IDPORTEN_ISSUER));
    return { ...c, PRODUCTION: production, PUBLIC_URL: publicUrl, LOCAL_IDP: localIdp };
  })
  .superRefine((c, ctx) => {
    if (c.DATABASE_READ_URL !== undefined) {
      if (!c.DATABASE_URL) ctx.addIssue({ code: 'custom', path: ['DATABASE_READ_URL'], message: 'a read replica needs DATABASE_URL (the primary); PGlite has no replicas' });
      if (!/^postgres(ql)?:\/\/./.test(c.DATABASE_READ_URL)) ctx.addIssue({ code: 'custom', path: ['DATABASE_READ_URL'], message: 'must be a postgres:// URL of a streaming replica' });
      else if (c.DATABASE_READ_URL === c.DATABASE_URL) ctx.addIssue({ code: 'custom', path: ['DATABASE_READ_URL'], message: 'is the primary itself; leave it unset to read from the primary' });
    }
    if (c.PRODUCTION) {
      if (c.LOCAL_IDP) {
        ctx.addIssue({ code: 'custom', path: ['LOCAL_IDP'], message: 'the local test identity provider (/idp) must not run in production; unset LOCAL_IDP and configure HelseID and ID-porten' });
      }
      if (c.DEMO) ctx.addIssue({ code: 'custom', path: ['DEMO'], message: 'demo data (--demo, DEMO=true) must not be loaded in production' });
      for (const [k, what] of Object.entries(PRODUCTION_IDP_SETTINGS)) {
        if (!c[k as keyof typeof PRODUCTION_IDP_SETTINGS]) ctx.addIssue({ code: 'custom', path: [k], message: `missing: ${what}` });
      }
      if (!c.COOKIE_SECRET) ctx.addIssue({ code: 'custom', path: ['COOKIE_SECRET'], message: 'missing: at least 32 random characters, the same for every process' });
      else if (c.COOKIE_SECRET.length < 32) ctx.addIssue({ code: 'custom', path: ['COOKIE_SECRET'], message: 'must be at least 32 characters in production' });
      if (!c.PUBLIC_URL.startsWith('https://')) {
        ctx.addIssue({ code: 'custom', path: ['PUBLIC_URL'], message: 'must be the https:// address browsers use (session cookies are Secure only over TLS)' });
      }
    } else if (!c.LOCAL_IDP) {
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
    const production = (overrides.NODE_ENV ?? env.NODE_ENV) === 'production';
    const head = production
      ? 'Refusing to start in production (NODE_ENV=production or --production) with this configuration:'
      : 'Invalid configuration:';
    throw new Error(`${head}\n${lines.join('\n')}\nSee SECURITY.md (production checklist) and README.md (configuration).`);
  }
  return r.data;
}

/** Fastify's trustProxy from TRUST_PROXY: a boolean, or addresses/CIDRs/`loopback`. */
export function trustProxyOption(value: string): boolean | string {
  if (value === 'true') return true;
  if (value === 'false' || value === '') return false;
  return value;
}

function pickDefined(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}
