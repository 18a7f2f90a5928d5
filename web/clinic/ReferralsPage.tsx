import { useContext, useId, useState } from 'preact/hooks';
import { call } from '../shared/api.js';
import { Async, errorText } from '../shared/components.js';
import { formatDate } from '../shared/format.js';
import { toApiError, useAsync, useDocumentTitle } from '../shared/hooks.js';
import { useI18n } from '../shared/i18n.js';
import type { Referral, ReferralBody } from '../../src/api/pathway.js';
import type { Template } from '../../src/api/templates.js';
import { MeContext } from './me.js';
import { usePathwayText } from './pathwayText.js';
import './pathway.css';

const INCLUSION = ['chronicCondition', 'ableToConsent', 'ableToUseEquipment'] as const;
const SOURCES = ['gp', 'hospital', 'home_care', 'citizen'] as const;

/**
 * Referrals (henvisninger): a form with the national inclusion guidance, the follow-up service's
 * referrals to decide (opened on the patient page, where the decision is made), what the caller's
 * organisation sent with the decision or the reason for declining, and the pathway tasks.
 */
export function ReferralsPage() {
  const p = usePathwayText();
  const { t, lang } = useI18n();
  const me = useContext(MeContext);
  useDocumentTitle(t.pageTitle(p.referralsHeading));
  const lists = useAsync(async () => {
    const [r, tk] = await Promise.all([call('GET /api/referrals'), call('GET /api/pathway/tasks')]);
    return { referrals: r.referrals, tasks: tk.tasks };
  }, []);
  const refs = useAsync(async () => {
    const [o, tp] = await Promise.all([call('GET /api/organisations'), call('GET /api/templates')]);
    return { organisations: o.organisations, templates: tp.templates };
  }, []);
  const uid = useId();
  const id = (s: string) => `${uid}-${s}`;
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const kind = me?.organisation.kind;
  const defaultSource = kind === 'gp_office' ? 'gp' : kind === 'hospital' ? 'hospital' : 'home_care';

  const submit = async (e: Event, templates: Template[]) => {
    e.preventDefault();
    if (busy) return;
    const form = e.currentTarget as HTMLFormElement;
    const fd = new FormData(form);
    const dx = fd.getAll('dx').map(String);
    const diagnoses = templates.flatMap((tpl) => tpl.diagnoses.filter((d) => d.system === 'ICPC-2' && dx.includes(d.code)).map((d) => ({ ...d, template: tpl.code })));
    const str = (k: string) => String(fd.get(k) ?? '').trim();
    setBusy(true);
    setError(null);
    try {
      // The form sends what was entered, gaps included: the server's field errors name what to fill in.
      const body = {
        identifier: str('identifier').replace(/\s/g, ''), name: str('name'), source: str('source'), reason: str('reason'),
        diagnoses: diagnoses.map(({ system, code, display }) => ({ system, code, display })), riskLevel: str('risk') || undefined,
        inclusion: Object.fromEntries(INCLUSION.map((k) => [k, fd.get(k) === 'on'])),
        followUpOrganisationId: str('followUp') || undefined, ...(str('gp') ? { gpOrganisationId: str('gp') } : {}),
        ...(diagnoses.length ? { templates: [...new Set(diagnoses.map((d) => d.template))] } : {}),
      } as ReferralBody;
      const r = await call('POST /api/referrals', { body });
      setStatus(p.sent);
      form.reset();
      lists.reload();
      window.location.hash = `#/pasient/${encodeURIComponent(r.patientId)}`;
    } catch (err) {
      const a = toApiError(err);
      // Name the fields to check in the form's own words; a conflict (already referred) is said as the server says it.
      const label: Record<string, string> = {
        identifier: p.identifier, name: p.name, source: p.source, reason: p.reason, diagnoses: p.diagnoses, riskLevel: p.risk,
        followUpOrganisationId: p.followUp, gpOrganisationId: p.gpOffice, inclusion: p.inclusionLegend,
      };
      const fields = [...new Set(Object.keys(a.fields).map((k) => label[k.split('.')[0]!] ?? k))];
      setError(fields.length ? p.checkFields(fields.join(', ')) : errorText(a, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <h1>{p.referralsHeading}</h1>
      <p class="intro">{p.referralsIntro}</p>
      <Async state={lists}>
        {({ referrals, tasks }) => {
          const toDecide = referrals.filter((r) => r.toDecide);
          const sent = referrals.filter((r) => !r.toDecide);
          return (
            <>
              <section class="card" aria-labelledby={id('tasks')}>
                <h2 id={id('tasks')}>{p.tasksHeading}</h2>
                {tasks.length === 0 ? <p class="muted">{p.noTasks}</p> : (
                  <div class="table-wrap">
                    <table class="data-table">
                      <thead><tr><th scope="col">{p.colPatient}</th><th scope="col">{p.colTask}</th><th scope="col">{p.colDue}</th></tr></thead>
                      <tbody>
                        {tasks.map((tk) => (
                          <tr key={`${tk.kind}-${tk.patientId}`}>
                            <th scope="row"><a href={`#/pasient/${encodeURIComponent(tk.patientId)}`}>{tk.patientName}</a></th>
                            <td>{p.taskKinds[tk.kind as keyof typeof p.taskKinds] ?? tk.kind}{tk.note && <span class="muted task-note">: {tk.note}</span>}</td>
                            <td>{tk.dueAt ? formatDate(tk.dueAt.slice(0, 10), lang) : '–'}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                )}
              </section>
              <section class="card" aria-labelledby={id('decide')}>
                <h2 id={id('decide')}>{p.toDecideHeading}</h2>
                {toDecide.length === 0 ? <p class="muted">{p.noneToDecide}</p> : <ReferralTable rows={toDecide} />}
              </section>
              <section class="card" aria-labelledby={id('sent')}>
                <h2 id={id('sent')}>{p.sentHeading}</h2>
                {sent.length === 0 ? <p class="muted">{p.noneSent}</p> : <ReferralTable rows={sent} />}
              </section>
            </>
          );
        }}
      </Async>

      <section class="card" aria-labelledby={id('new')}>
        <h2 id={id('new')}>{p.newReferral}</h2>
        <div class="guidance">
          <h3>{p.guidanceHeading}</h3>
          <ul>{p.guidance.map((g) => <li key={g}>{g}</li>)}</ul>
          <p class="hint">{p.guidanceSource}</p>
        </div>
        <Async state={refs}>
          {({ organisations, templates }) => (
            <form class="stack" onSubmit={(e) => void submit(e, templates)} noValidate>
              <div class="field">
                <label for={id('source')}>{p.source}</label>
                <select id={id('source')} name="source">
                  {SOURCES.map((s) => <option key={s} value={s} selected={s === defaultSource}>{p.sources[s]}</option>)}
                </select>
              </div>
              <div class="field"><label for={id('identifier')}>{p.identifier}</label><input id={id('identifier')} name="identifier" type="text" inputMode="numeric" autoComplete="off" /></div>
              <div class="field"><label for={id('name')}>{p.name}</label><input id={id('name')} name="name" type="text" autoComplete="off" /></div>
              <fieldset>
                <legend>{p.diagnoses}</legend>
                <div class="choice-list">
                  {templates.flatMap((tpl) => tpl.diagnoses.filter((d) => d.system === 'ICPC-2')).map((d) => (
                    <label key={d.code} class="choice" for={id(`dx-${d.code}`)}>
                      <input type="checkbox" id={id(`dx-${d.code}`)} name="dx" value={d.code} />
                      <span>{d.code} {d.display}</span>
                    </label>
                  ))}
                </div>
              </fieldset>
              <fieldset>
                <legend>{p.risk}</legend>
                <div class="choice-list choice-row">
                  {(['medium', 'high'] as const).map((r) => (
                    <label key={r} class="choice" for={id(`risk-${r}`)}>
                      <input type="radio" id={id(`risk-${r}`)} name="risk" value={r} />
                      <span>{p.riskLevels[r]}</span>
                    </label>
                  ))}
                </div>
              </fieldset>
              <div class="field">
                <label for={id('reason')}>{p.reason}</label>
                <p class="hint" id={id('reason-hint')}>{p.reasonHint}</p>
                <textarea id={id('reason')} name="reason" rows={3} aria-describedby={id('reason-hint')} />
              </div>
              <fieldset>
                <legend>{p.inclusionLegend}</legend>
                <div class="choice-list">
                  {INCLUSION.map((k) => (
                    <label key={k} class="choice" for={id(`inc-${k}`)}>
                      <input type="checkbox" id={id(`inc-${k}`)} name={k} />
                      <span>{p.inclusion[k]}</span>
                    </label>
                  ))}
                </div>
              </fieldset>
              <div class="field">
                <label for={id('followUp')}>{p.followUp}</label>
                <select id={id('followUp')} name="followUp">
                  <option value="">{p.chooseOne}</option>
                  {organisations.filter((o) => o.kind === 'municipality').map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
                </select>
              </div>
              {kind !== 'gp_office' && (
                <div class="field">
                  <label for={id('gp')}>{p.gpOffice}</label>
                  <select id={id('gp')} name="gp">
                    <option value="">{p.chooseOne}</option>
                    {organisations.filter((o) => o.kind === 'gp_office').map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
                  </select>
                </div>
              )}
              <div role="alert">{error && <p class="notice notice-error">{error}</p>}</div>
              <p role="status" class="status-text">{status}</p>
              <button type="submit" class="button button-primary" aria-busy={busy}>{p.sendReferral}</button>
            </form>
          )}
        </Async>
      </section>
    </>
  );
}

function ReferralTable({ rows }: { rows: Referral[] }) {
  const p = usePathwayText();
  const { lang } = useI18n();
  return (
    <div class="table-wrap">
      <table class="data-table">
        <thead>
          <tr><th scope="col">{p.colPatient}</th><th scope="col">{p.colSource}</th><th scope="col">{p.colReason}</th><th scope="col">{p.colState}</th><th scope="col">{p.colDecision}</th></tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.episodeId}>
              <th scope="row"><a href={`#/pasient/${encodeURIComponent(r.patientId)}`}>{r.patientName}</a></th>
              <td>{p.sources[r.source as keyof typeof p.sources] ?? r.source}{r.referrer ? ` (${r.referrer})` : ''}{r.referredAt && <><br />{formatDate(r.referredAt.slice(0, 10), lang)}</>}</td>
              <td>{r.reason}</td>
              <td>{p.states[r.state as keyof typeof p.states] ?? r.state}</td>
              <td>{r.declineReason ? p.declinedBecause(r.declineReason) : r.vedtakDate ? p.acceptedOn(formatDate(r.vedtakDate, lang), r.decidedBy ?? '') : '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
