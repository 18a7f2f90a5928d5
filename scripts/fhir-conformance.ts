/**
 * Runs the FHIR conformance corpus (test/fhir-conformance, see SOURCES.md) against a running Varde
 * server: every example is posted as written (a clean OperationOutcome refusal is expected, since
 * its patient is not enrolled there) and as a Norwegian variant for a test patient (stored and
 * answered exactly: values with their written decimals, units, codes, times, identifiers).
 *
 *   npm run fhir:conformance -- --base https://varde.example/fhir --token TOKEN --fnr 01819012345
 *
 * --base   the FHIR base URL (…/fhir)
 * --token  a bearer token of a device client with observation.write (OAuth client credentials at
 *          /auth/token); add device.read to check Device read-back too
 * --fnr    fødselsnummer of an enrolled TEST patient followed by the client's organisation
 *          (synthetic: month + 80). Without it only the as-written refusals and searches are checked.
 * --only   run only corpus files whose name contains this text
 *
 * It writes test data to that patient. Exit code 0 = everything as expected, 1 = a difference.
 */
import { corpusFiles, norwegianVariant, stringifyKeep } from '../test/fhir-conformance/corpus.js';
import { lexemeOf, parseFhir } from '../src/server/fhir/json.js';

type Json = Record<string, unknown>;

function args(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) out[a.slice(2)] = argv[i + 1] && !argv[i + 1]!.startsWith('--') ? argv[++i]! : 'true';
  }
  return out;
}

/** Key-sorted JSON with numbers as written, so 48.0 ≠ 48 and key order does not matter. */
function exact(v: unknown): string {
  const item = (holder: object, key: string | number, x: unknown): string => (typeof x === 'number' ? (lexemeOf(holder, key) ?? String(x)) : walk(x));
  const walk = (x: unknown): string => {
    if (Array.isArray(x)) return `[${x.map((e, i) => item(x, i, e)).join(',')}]`;
    if (x && typeof x === 'object') return `{${Object.keys(x).sort().map((k) => `${JSON.stringify(k)}:${item(x, k, (x as Json)[k])}`).join(',')}}`;
    return JSON.stringify(x);
  };
  return walk(v);
}

/** Elements the client sent that did not come back exactly (the server may add, never change). */
function differences(sent: Json, got: Json): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(sent)) {
    if (k === 'id') continue;
    if (k === 'meta') {
      if (exact((got.meta as Json | undefined)?.profile) !== exact((v as Json).profile)) out.push('meta.profile');
    } else if (k === 'extension') {
      const back = exact(got.extension);
      if ((v as unknown[]).some((e) => !back.includes(exact(e)))) out.push('extension');
    } else if (k === 'subject') {
      if (exact((got.subject as Json | undefined)?.identifier) !== exact((v as Json).identifier)) out.push('subject.identifier');
    } else if (exact(got[k]) !== exact(v)) out.push(k);
  }
  return out;
}

async function main(): Promise<number> {
  const a = args(process.argv.slice(2));
  if (!a.base || !a.token) {
    console.error('usage: npm run fhir:conformance -- --base URL --token TOKEN [--fnr FØDSELSNUMMER] [--only TEXT]');
    return 2;
  }
  const base = a.base.replace(/\/$/, '');
  const headers = { authorization: `Bearer ${a.token}`, 'content-type': 'application/fhir+json', accept: 'application/fhir+json' };
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body: typeof body === 'string' ? body : stringifyKeep(body) } : {}) });
    const text = await res.text();
    return { status: res.status, text, body: (text ? parseFhir(text) : undefined) as Json | undefined };
  };
  let ok = 0;
  let bad = 0;
  const report = (pass: boolean, what: string, detail = '') => {
    if (pass) ok++;
    else bad++;
    console.log(`${pass ? 'ok  ' : 'FAIL'} ${what}${detail ? ` — ${detail}` : ''}`);
  };

  const meta = await call('GET', '/metadata');
  report(meta.status === 200 && meta.body?.fhirVersion === '4.0.1', 'GET /metadata is an R4 CapabilityStatement', String(meta.status));
  const unknown = await call('GET', '/Observation?colour=blue');
  report(unknown.status === 400 || unknown.status === 401 || unknown.status === 403, 'an undeclared search parameter is not silently ignored', String(unknown.status));

  for (const file of corpusFiles().filter((f) => f.resource.resourceType === 'Observation' && (!a.only || f.name.includes(a.only)))) {
    const asWritten = await call('POST', '/Observation', file.text);
    report(asWritten.status >= 400 && asWritten.status < 500 && asWritten.body?.resourceType === 'OperationOutcome',
      `${file.name} as written → clean refusal`, `${asWritten.status}`);
    if (!a.fnr) continue;
    const sent = norwegianVariant(file.resource, { fnr: a.fnr });
    let r = await call('POST', '/Observation', sent);
    if (r.status === 409) {
      // Some published examples share one business identifier; give the variant its own.
      for (const i of (sent.identifier as { value: string }[] | undefined) ?? []) i.value += `-${file.name}`;
      r = await call('POST', '/Observation', sent);
    }
    if (r.status >= 300 || !r.body) {
      report(false, `${file.name} Norwegian variant accepted`, `${r.status} ${r.text.slice(0, 300)}`);
      continue;
    }
    const diff = differences(sent, r.body);
    report(diff.length === 0, `${file.name} Norwegian variant stored and answered exactly`, diff.length ? `changed: ${diff.join(', ')}` : `${r.status} ${String(r.body.id)}`);
    const again = await call('POST', '/Observation', sent);
    report(again.status === 200 && again.body?.id === r.body.id, `${file.name} sent again → the same resource`, `${again.status}`);
  }

  for (const file of corpusFiles().filter((f) => f.resource.resourceType === 'Device' && (!a.only || f.name.includes(a.only)))) {
    const r = await call('POST', '/Device', file.text);
    report(r.status === 201 || r.status === 200, `${file.name} Device create`, `${r.status}`);
    const again = await call('POST', '/Device', file.text);
    report(again.status === 200, `${file.name} Device create again → matched by identifier`, `${again.status}`);
  }
  console.log(`\n${ok} as expected, ${bad} different`);
  return bad === 0 ? 0 : 1;
}

process.exitCode = await main();
