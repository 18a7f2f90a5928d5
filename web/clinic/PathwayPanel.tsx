import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { call, isRecord } from '../shared/api.js';
import type { OnboardingBody, Pathway, TransitionBody } from '../../src/api/pathway.js';
import { Async, errorText } from '../shared/components.js';
import { formatDate, formatDateTime } from '../shared/format.js';
import { toApiError, useAsync } from '../shared/hooks.js';
import { useI18n } from '../shared/i18n.js';
import { measureName } from '../shared/measures.js';
import { usePathwayText } from './pathwayText.js';
import './pathway.css';

type State = 'referred' | 'declined' | 'onboarding' | 'baseline' | 'active' | 'paused' | 'evaluation' | 'ended';
type Thresholds = Partial<Record<'redBelow' | 'yellowBelow' | 'yellowAbove' | 'redAbove', number>>;
interface Figures { days: number; daysWithReadings: number; alerts: { red: number; yellow: number; missing: number }; contacts: number; messages: number }
/** The contract's pathway of the current episode (GET /api/patients/:id/pathway). */
export type PathwayResponse = Pathway;

// The form's values are the server's own codes (selects and checkboxes it listed); the server validates them again.
type MeasureCodeOf<A extends 'activate'> = Extract<TransitionBody, { action: A }>['useProposal'][number];

/** The GP summary the end step recorded: the contract leaves its shape open (`unknown`). */
function endSummaryText(summary: unknown): string | null {
  return isRecord(summary) && typeof summary.text === 'string' ? summary.text : null;
}

const STEPS: State[] = ['referred', 'onboarding', 'baseline', 'active', 'evaluation', 'ended'];
const TRAINING = ['equipment', 'app', 'plan', 'contact', 'emergency'] as const;
const END_REASONS = ['goal_reached', 'no_benefit', 'too_ill', 'moved', 'died', 'declined'] as const;

function limits(th: Thresholds): string {
  const parts: string[] = [];
  if (th.redBelow !== undefined) parts.push(`<${th.redBelow} R`);
  if (th.yellowBelow !== undefined) parts.push(`<${th.yellowBelow} G`);
  if (th.yellowAbove !== undefined) parts.push(`>${th.yellowAbove} G`);
  if (th.redAbove !== undefined) parts.push(`>${th.redAbove} R`);
  return parts.join(' · ') || '–';
}

/**
 * The episode's pathway on the patient page: where it stands, what the caller may do next
 * (decided by the server's transition table), onboarding, baseline proposal beside the template,
 * pause, evaluation figures, end and its summary for the GP, and the history of steps.
 */
export function PathwayPanel({ patientId, onChanged, endRequest = 0 }: { patientId: string; onChanged?: () => void; endRequest?: number }) {
  const p = usePathwayText();
  const { t, lang } = useI18n();
  const params = { id: patientId };
  const data = useAsync(() => call('GET /api/patients/:id/pathway', { params }), [patientId]);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const uid = useId();
  const id = (s: string) => `${uid}-${s}`;

  const run = async (request: () => Promise<unknown>): Promise<void> => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await request();
      setStatus(p.saved);
      data.reload();
      onChanged?.();
    } catch (e) {
      const a = toApiError(e);
      // A refused step (409) says why in the server's words (e.g. what onboarding still lacks).
      setError(errorText(a, t));
    } finally {
      setBusy(false);
    }
  };
  const step = (body: TransitionBody) => run(() => call('POST /api/patients/:id/pathway', { params, body }));
  const onboard = (body: OnboardingBody) => run(() => call('PUT /api/patients/:id/pathway/onboarding', { params, body }));
  // The patient view's "Mer …" menu asks for the end form (each new request number opens it once).
  const endRef = useRef<HTMLDetailsElement>(null);
  const endShown = useRef(0);
  useEffect(() => {
    if (endRequest === 0 || endRequest === endShown.current || !data.data) return;
    endShown.current = endRequest;
    if (endRef.current) endRef.current.open = true;
    const target = (endRef.current ?? document.getElementById(id('h')))!;
    target.scrollIntoView({ block: 'center' });
    (document.getElementById(id('ereason')) ?? document.getElementById(id('h')))?.focus();
  }, [endRequest, data.data]);
  const value = (name: string): string => (document.getElementById(id(name)) as HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement | null)?.value ?? '';

  return (
    <section class="card pathway" aria-labelledby={id('h')}>
      <h2 id={id('h')} tabIndex={-1}>{p.pathwayHeading}</h2>
      <Async state={data}>
        {(w) => {
          const can = (a: Pathway['actions'][number]) => w.actions.includes(a);
          const current = w.state === 'paused' ? 'active' : w.state === 'declined' ? 'referred' : w.state;
          return (
            <div class="stack">
              <ol class="pathway-steps" aria-label={p.stepsLabel}>
                {STEPS.map((s) => (
                  <li key={s} class={s === current ? 'current' : undefined} aria-current={s === current ? 'step' : undefined}>
                    {s === current ? p.states[w.state] : p.states[s]}
                  </li>
                ))}
              </ol>

              {w.referral && (
                <p>
                  {p.sources[w.referral.source as keyof typeof p.sources]}
                  {w.referral.referrer ? ` (${w.referral.referrer})` : ''}, {formatDate(w.referral.referredAt.slice(0, 10), lang)}: {w.referral.reason}
                </p>
              )}
              {w.decision && (
                <p>
                  {w.decision.declineReason ? p.declinedBecause(w.decision.declineReason) : p.acceptedOn(w.decision.vedtakDate ? formatDate(w.decision.vedtakDate, lang) : '', w.decision.decidedBy ?? '')}
                </p>
              )}
              {w.pause && <p class="notice notice-info">{p.pausedNotice(w.pause.reason ?? '–', w.pause.until ? formatDate(w.pause.until, lang) : '–')}</p>}

              {can('accept') && (
                <form class="stack" onSubmit={(e) => { e.preventDefault(); void step({ action: 'accept', vedtakDate: value('vedtak') }); }}>
                  <div class="field">
                    <label for={id('vedtak')}>{p.vedtakDate}</label>
                    <input id={id('vedtak')} type="date" defaultValue={new Date().toISOString().slice(0, 10)} />
                  </div>
                  <button type="submit" class="button button-primary" aria-busy={busy}>{p.accept}</button>
                </form>
              )}
              {can('decline') && (
                <form class="stack" onSubmit={(e) => { e.preventDefault(); void step({ action: 'decline', reason: value('decline') }); }}>
                  <div class="field">
                    <label for={id('decline')}>{p.declineReason}</label>
                    <textarea id={id('decline')} rows={2} />
                  </div>
                  <button type="submit" class="button button-secondary" aria-busy={busy}>{p.decline}</button>
                </form>
              )}

              {w.onboarding.consentAt && (w.state === 'onboarding' || w.state === 'baseline' || w.state === 'active' || w.state === 'evaluation' || w.state === 'paused') && (
                // Sharing with Pasientens måledata (integration/pmd-job.ts): shown always, withdrawn by the nurse on the patient's word.
                <div class="stack pmd-sharing" data-testid="pmd-sharing">
                  <p>{w.onboarding.shareMeasurementsSince ? t.pmdSharingSince(formatDateTime(w.onboarding.shareMeasurementsSince, lang)) : t.pmdSharingNone}</p>
                  {w.onboarding.shareMeasurementsSince ? (
                    <>
                      <p class="hint" id={id('pmd-hint')}>{t.pmdSharingWithdrawHint}</p>
                      <p><button type="button" class="button button-secondary" aria-busy={busy} aria-describedby={id('pmd-hint')} onClick={() => void onboard({ consent: { shareMeasurements: false } })}>{t.pmdSharingWithdraw}</button></p>
                    </>
                  ) : (
                    <p><button type="button" class="button button-secondary" aria-busy={busy} onClick={() => void onboard({ consent: { shareMeasurements: true } })}>{t.pmdSharingGive}</button></p>
                  )}
                </div>
              )}

              {(w.state === 'onboarding' || w.state === 'baseline' || w.state === 'active' || w.state === 'evaluation' || w.state === 'paused') && (
                <details open={w.state === 'onboarding'}>
                  <summary>{p.consentHeading} · {p.trainingHeading} · {p.goalsHeading}</summary>
                  <div class="stack">
                    {w.onboarding.consentAt ? (
                      <p>{p.consentGiven(formatDateTime(w.onboarding.consentAt, lang), w.onboarding.consentBy ?? '', w.onboarding.consentScope ?? '')}</p>
                    ) : (
                      <form class="stack" onSubmit={(e) => {
                        e.preventDefault();
                        // The structured part of the consent that Pasientens måledata acts on (integration/pmd-job.ts).
                        const share = (document.getElementById(id('share-pmd')) as HTMLInputElement | null)?.checked ?? false;
                        void onboard({ consent: { scope: value('consent'), shareMeasurements: share } });
                      }}>
                        <div class="field">
                          <label for={id('consent')}>{p.consentScope}</label>
                          <textarea id={id('consent')} rows={2} defaultValue="Digital hjemmeoppfølging: målinger, skjema og meldinger deles med oppfølgingstjenesten og fastlegen." />
                        </div>
                        <label class="choice" for={id('share-pmd')}>
                          <input type="checkbox" id={id('share-pmd')} />
                          <span>{t.pmdShareConsent}</span>
                        </label>
                        <button type="submit" class="button button-secondary" aria-busy={busy}>{p.consentRecord}</button>
                      </form>
                    )}
                    <form class="stack" onSubmit={(e) => {
                      e.preventDefault();
                      void onboard({ training: TRAINING.filter((i) => (document.getElementById(id(`tr-${i}`)) as HTMLInputElement | null)?.checked) });
                    }}>
                      <fieldset>
                        <legend>{p.trainingHeading}</legend>
                        <div class="choice-list">
                          {TRAINING.map((i) => (
                            <label key={i} class="choice" for={id(`tr-${i}`)}>
                              <input type="checkbox" id={id(`tr-${i}`)} defaultChecked={!!w.onboarding.training[i]} disabled={!!w.onboarding.training[i]} />
                              <span>{p.training[i]}</span>
                            </label>
                          ))}
                        </div>
                      </fieldset>
                      <button type="submit" class="button button-secondary" aria-busy={busy}>{p.saveTraining}</button>
                    </form>
                    <form class="stack" onSubmit={(e) => { e.preventDefault(); void onboard({ goals: value('goals') }); }}>
                      <div class="field">
                        <label for={id('goals')}>{p.goalsHeading}</label>
                        <p class="hint" id={id('goals-hint')}>{p.goalsHint}</p>
                        <textarea id={id('goals')} rows={2} aria-describedby={id('goals-hint')} defaultValue={w.onboarding.goals ?? ''} />
                      </div>
                      <button type="submit" class="button button-secondary" aria-busy={busy}>{p.saveGoals}</button>
                    </form>
                    <h3>{p.loansHeading}</h3>
                    {w.onboarding.loans.length ? (
                      <ul>{w.onboarding.loans.map((l) => <li key={l.id}>{l.model} ({l.serial})</li>)}</ul>
                    ) : <p class="muted">{p.noLoans}</p>}
                  </div>
                </details>
              )}

              {w.state === 'onboarding' && w.onboarding.blockers.length > 0 && (
                <div class="notice notice-info">
                  <p>{p.blockers}</p>
                  <ul>
                    {w.onboarding.blockers.map((b) => (
                      <li key={b}>{b.startsWith('training:') ? p.blockerTraining(p.training[b.slice(9) as (typeof TRAINING)[number]]) : (p.blocker[b] ?? b)}</li>
                    ))}
                  </ul>
                </div>
              )}
              {can('start_baseline') && (
                <form class="stack" onSubmit={(e) => { e.preventDefault(); void step({ action: 'start_baseline', days: Number(value('days')) }); }}>
                  <div class="field">
                    <label for={id('days')}>{p.baselineDays}</label>
                    <input id={id('days')} type="number" min={14} max={28} defaultValue="14" inputMode="numeric" />
                  </div>
                  <button type="submit" class="button button-primary" aria-busy={busy}>{p.startBaseline}</button>
                </form>
              )}

              {w.state === 'baseline' && w.baseline.endsAt && <p>{p.baselineRunning(formatDate(w.baseline.endsAt.slice(0, 10), lang))}</p>}
              {w.state === 'baseline' && w.baseline.proposal.length > 0 && (
                <form class="stack" onSubmit={(e) => {
                  e.preventDefault();
                  void step({ action: 'activate', useProposal: w.baseline.proposal.filter((x) => (document.getElementById(id(`use-${x.code}`)) as HTMLInputElement | null)?.checked).map((x) => x.code as MeasureCodeOf<'activate'>) });
                }}>
                  <div class="table-wrap">
                    <table class="data-table">
                      <caption>{p.proposalHeading}</caption>
                      <thead>
                        <tr><th scope="col">{p.colMeasureP}</th><th scope="col" class="num">{p.colReadings}</th><th scope="col" class="num">{p.colMedian}</th><th scope="col">{p.colTemplate}</th><th scope="col">{p.colProposed}</th><th scope="col">{p.colUse}</th></tr>
                      </thead>
                      <tbody>
                        {w.baseline.proposal.map((x) => (
                          <tr key={x.code}>
                            <th scope="row">{measureName(x.code, lang)}</th>
                            <td class="num">{x.readings}</td>
                            <td class="num">{x.median ?? '–'}</td>
                            <td>{limits(x.template)}</td>
                            <td>{x.note === 'proposed' ? limits(x.proposed) : x.note === 'too_few_readings' ? p.tooFew : p.noYellow}</td>
                            <td>
                              {x.note === 'proposed' && (
                                <input type="checkbox" id={id(`use-${x.code}`)} defaultChecked aria-label={`${p.colUse}: ${measureName(x.code, lang)}`} disabled={!can('activate')} />
                              )}
                            </td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                  <p class="hint">{p.proposalIntro}</p>
                  {can('activate') ? <button type="submit" class="button button-primary" aria-busy={busy}>{p.activate}</button> : <p class="muted">{p.gpApproves}</p>}
                </form>
              )}

              {w.planAdjustment && (
                <div class="notice notice-warning plan-adjustment" role="status">
                  <p>{t.pathwayPlanAdjustment(formatDate(w.planAdjustment.since.slice(0, 10), lang))}</p>
                  {w.planAdjustment.note && <p>{t.pathwayPlanAdjustmentNote} {w.planAdjustment.note}</p>}
                </div>
              )}
              {(w.state === 'active' || w.state === 'evaluation') && w.evaluation.nextAt && (
                <p>{w.evaluation.due && w.state === 'active' ? p.evaluationIsDue : p.evaluationDue(formatDate(w.evaluation.nextAt.slice(0, 10), lang))}</p>
              )}
              {w.evaluation.figures && (
                <div>
                  <h3>{p.figuresHeading}</h3>
                  <ul>
                    <li>{p.adherence(w.evaluation.figures.daysWithReadings, w.evaluation.figures.days)}</li>
                    <li>{p.alertsFig(w.evaluation.figures.alerts.red, w.evaluation.figures.alerts.yellow, w.evaluation.figures.alerts.missing)}</li>
                    <li>{p.contactsFig(w.evaluation.figures.contacts, w.evaluation.figures.messages)}</li>
                  </ul>
                </div>
              )}
              {can('start_evaluation') && <button type="button" class="button button-secondary" aria-busy={busy} onClick={() => void step({ action: 'start_evaluation' })}>{p.startEvaluation}</button>}
              {can('complete_evaluation') && (
                <form class="stack" onSubmit={(e) => {
                  e.preventDefault();
                  void step({ action: 'complete_evaluation', outcome: value('outcome') as Extract<TransitionBody, { action: 'complete_evaluation' }>['outcome'], patientView: value('pview'), note: value('enote') });
                }}>
                  <div class="field"><label for={id('pview')}>{p.patientView}</label><textarea id={id('pview')} rows={2} /></div>
                  <div class="field"><label for={id('enote')}>{p.evaluationNote}</label><textarea id={id('enote')} rows={2} /></div>
                  <div class="field">
                    <label for={id('outcome')}>{p.outcome}</label>
                    <select id={id('outcome')}>
                      <option value="continue">{p.outcomes.continue}</option>
                      <option value="adjust_plan">{p.outcomes.adjust_plan}</option>
                    </select>
                  </div>
                  <button type="submit" class="button button-primary" aria-busy={busy}>{p.completeEvaluation}</button>
                </form>
              )}

              {can('pause') && (
                <form class="stack" onSubmit={(e) => { e.preventDefault(); void step({ action: 'pause', reason: value('preason'), until: value('puntil') }); }}>
                  <div class="field"><label for={id('preason')}>{p.pauseReason}</label><input id={id('preason')} type="text" /></div>
                  <div class="field"><label for={id('puntil')}>{p.pauseUntil}</label><input id={id('puntil')} type="date" /></div>
                  <button type="submit" class="button button-secondary" aria-busy={busy}>{p.pause}</button>
                </form>
              )}
              {can('resume') && <button type="button" class="button button-primary" aria-busy={busy} onClick={() => void step({ action: 'resume' })}>{p.resume}</button>}

              {can('end') && (
                <details ref={endRef}>
                  <summary>{p.endHeading}</summary>
                  <form class="stack" onSubmit={(e) => { e.preventDefault(); void step({ action: 'end', reason: value('ereason') as (typeof END_REASONS)[number], note: value('enote2') }); }}>
                    <div class="field">
                      <label for={id('ereason')}>{p.endReason}</label>
                      <select id={id('ereason')}>
                        {END_REASONS.map((r) => <option key={r} value={r}>{p.endReasons[r]}</option>)}
                      </select>
                    </div>
                    <div class="field"><label for={id('enote2')}>{p.endNote}</label><textarea id={id('enote2')} rows={2} /></div>
                    <button type="submit" class="button button-secondary" aria-busy={busy}>{p.end}</button>
                  </form>
                </details>
              )}

              {w.end && (
                <div>
                  <p>{p.states.ended}: {w.end.reason ? p.endReasons[w.end.reason as (typeof END_REASONS)[number]] ?? w.end.reason : w.end.note}</p>
                  {endSummaryText(w.end.summary) && (
                    <>
                      <h3>{p.endSummaryHeading}</h3>
                      <p class="pre-line">{endSummaryText(w.end.summary)}</p>
                    </>
                  )}
                </div>
              )}

              <p role="status" class="status-text">{status}</p>
              <div role="alert">{error && <p class="notice notice-error">{error}</p>}</div>

              <details>
                <summary>{p.historyHeading}</summary>
                <ol>
                  {w.transitions.map((tr, i) => (
                    <li key={i}>
                      {formatDateTime(tr.at, lang)}: {p.states[tr.to as State] ?? tr.to}{tr.by ? ` – ${tr.by}` : ''}{tr.organisation ? ` (${tr.organisation})` : ''}
                    </li>
                  ))}
                </ol>
              </details>
            </div>
          );
        }}
      </Async>
    </section>
  );
}

/** The patient's goals ("hva er viktig for deg"), shown with the plan: they live on the episode, not in the plan definition. */
export function PlanGoals({ patientId }: { patientId: string }) {
  const p = usePathwayText();
  const data = useAsync(() => call('GET /api/patients/:id/pathway', { params: { id: patientId } }), [patientId]);
  const goals = data.data?.onboarding.goals;
  return goals ? <p class="notice notice-info plan-goals">{p.goalsWithPlan(goals)}</p> : null;
}
