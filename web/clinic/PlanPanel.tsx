import { useState } from 'preact/hooks';
import { call } from '../shared/api.js';
import { ActionFeedback, Async, DateTime, TableRegion } from '../shared/components.js';
import { formatValue } from '../shared/format.js';
import { useAsync } from '../shared/hooks.js';
import { localized, useI18n, type Catalogue, type Text } from '../shared/i18n.js';
import { measureName, unitLabel } from '../shared/measures.js';
import { planEntries, scheduleText } from '../shared/plan.js';
import type { PlanStatus, PlanVersion } from '../../src/api/plans.js';
import { isGp, useMe } from './me.js';
import { PlanEditor } from './PlanEditor.js';
import { planLines, type PlanDefinition } from './planModel.js';
import { ApprovePlanDialog, PlanRuleList, useItemNames, useQuestionnaires } from './PlanReview.js';
import { ThresholdReviews } from './AlertBurden.js';

function statusLabel(s: PlanStatus, t: Catalogue): string {
  return s === 'draft' ? t.planStatusDraft : s === 'approved' ? t.planStatusApproved : t.planStatusSuperseded;
}

const UNIT_OF: Record<string, string> = { spo2: '%', heart_rate: '/min', resp_rate: '/min', bp_systolic: 'mm[Hg]', bp_diastolic: 'mm[Hg]', weight: 'kg', temperature: 'Cel', glucose: 'mmol/L' };

/** The plan in force: when each thing is due, its limits, and what the patient is told per zone. */
export function PlanSummary({ plan }: { plan: PlanVersion }) {
  const { t, lang } = useI18n();
  const entries = planEntries(plan.definition);
  const n = (code: string, v: number | undefined) => (v === undefined ? '–' : `${formatValue(v, lang)} ${unitLabel(code, UNIT_OF[code] ?? '{score}', lang)}`.trim());
  const caption = t.planCaption(plan.version);
  return (
    <>
      <p>
        {t.planApprovedBy(plan.approvedBy ?? '')} <DateTime iso={plan.approvedAt ?? plan.createdAt} />
      </p>
      <TableRegion label={caption}>
        <table class="data-table plan-table">
          <caption>{caption}</caption>
          <thead>
            <tr>
              <th scope="col">{t.colMeasure}</th>
              <th scope="col">{t.colWhen}</th>
              <th scope="col" class="num">{t.limitRedBelowLabel}</th>
              <th scope="col" class="num">{t.limitYellowBelowLabel}</th>
              <th scope="col" class="num">{t.limitYellowAboveLabel}</th>
              <th scope="col" class="num">{t.limitRedAboveLabel}</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.code}>
                <th scope="row">{measureName(e.code, lang)}</th>
                <td>{scheduleText(e.schedule, t)}</td>
                <td class="num">{n(e.code, e.thresholds.redBelow)}</td>
                <td class="num">{n(e.code, e.thresholds.yellowBelow)}</td>
                <td class="num">{n(e.code, e.thresholds.yellowAbove)}</td>
                <td class="num">{n(e.code, e.thresholds.redAbove)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableRegion>
      <details class="plan-advice">
        <summary>{t.planAdviceHeading}</summary>
        {entries.map((e) => (
          <div key={e.code} class="plan-advice-entry">
            <h4>{measureName(e.code, lang)}</h4>
            <dl class="facts">
              <div>
                <dt>{t.zoneGreen}</dt>
                <dd>{localized(e.actions.green, lang)}</dd>
              </div>
              <div>
                <dt>{t.zoneYellow}</dt>
                <dd>{localized(e.actions.yellow, lang)}</dd>
              </div>
              <div>
                <dt>{t.zoneRed}</dt>
                <dd>{localized(e.actions.red, lang)}</dd>
              </div>
            </dl>
          </div>
        ))}
        {plan.definition.medicines && (
          <p>
            <strong>{t.planMedicines}:</strong> {plan.definition.medicines}
          </p>
        )}
        {plan.definition.contacts && (
          <p>
            <strong>{t.planContacts}:</strong> {plan.definition.contacts}
          </p>
        )}
      </details>
      <PlanRules plan={plan.definition as unknown as PlanDefinition} />
    </>
  );
}

/** Everything else the plan says: re-measure, item rules, trend and combined rules, NEWS2. */
function PlanRules({ plan }: { plan: PlanDefinition }) {
  const { t, lang } = useI18n();
  const questionnaires = useQuestionnaires();
  const itemNames = useItemNames(questionnaires.data);
  const rules = planLines(plan, t, lang, itemNames).filter((l) => !l.key.includes(':advice:') && !l.key.endsWith(':schedule') && !/:(red|yellow)(Below|Above)$/.test(l.key) && l.key !== 'medicines' && l.key !== 'contacts');
  return (
    <details class="plan-advice">
      <summary>{t.pePlanRulesHeading}</summary>
      <PlanRuleList lines={rules} />
    </details>
  );
}

/** The plan section of the patient view: plan in force, every version, drafts to approve, and the editor. */
export function PlanPanel({ patientId, active, onChanged }: { patientId: string; active: boolean; onChanged: () => void }) {
  const { t } = useI18n();
  const me = useMe();
  const gp = isGp(me);
  const plans = useAsync(() => call('GET /api/patients/:id/plans', { params: { id: patientId } }), [patientId]);
  const [editing, setEditing] = useState(false);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<Text | null>(null);
  const [confirming, setConfirming] = useState<PlanVersion | null>(null);
  const questionnaires = useQuestionnaires();
  const itemNames = useItemNames(questionnaires.data);

  /** Called from the confirmation dialog; a failure stays in the dialog. */
  const approve = async (plan: PlanVersion): Promise<void> => {
    setError(null);
    setStatus(null);
    await call('POST /api/patients/:id/plans/:planId/approve', { params: { id: patientId, planId: plan.id } });
    setStatus(t.planApprovedStatus(plan.version));
    plans.reload();
    onChanged();
  };

  if (plans.error?.status === 409) return <p>{t.planNoActiveEpisode}</p>;

  return (
    <Async state={plans}>
      {(data) => {
        const current = data.plans.find((p) => p.status === 'approved') ?? null;
        const drafts = data.plans.filter((p) => p.status === 'draft');
        return (
          <>
            <ActionFeedback status={status} error={error} />
            {current ? <PlanSummary plan={current} /> : <p>{t.planNone}</p>}
            {/* A rule firing often without action: the GP is asked to review its limit, with the data (issue 12). */}
            {active && <ThresholdReviews patientId={patientId} />}
            <TableRegion label={t.planVersionsCaption}>
              <table class="data-table">
                <caption>{t.planVersionsCaption}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t.planVersion}</th>
                    <th scope="col">{t.colStatus}</th>
                    <th scope="col">{t.planCreated}</th>
                    <th scope="col">{t.planApprovedCol}</th>
                    <th scope="col">{t.colAction}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.plans.map((p) => (
                    <tr key={p.id}>
                      <th scope="row">{p.version}</th>
                      <td>{statusLabel(p.status, t)}</td>
                      <td>
                        <DateTime iso={p.createdAt} />
                      </td>
                      <td>
                        {p.approvedAt ? (
                          <>
                            {p.approvedBy} <DateTime iso={p.approvedAt} />
                          </>
                        ) : (
                          '–'
                        )}
                      </td>
                      <td>
                        {p.status === 'draft' &&
                          (gp && active ? (
                            <button type="button" class="button button-primary" onClick={() => setConfirming(p)}>
                              {t.peReviewApprove(p.version)}
                            </button>
                          ) : (
                            t.planAwaitsGp
                          ))}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableRegion>
            {drafts.length > 0 && !gp && <p class="hint">{t.planApproveGpOnly}</p>}
            {confirming && (
              <ApprovePlanDialog
                version={confirming.version}
                draft={confirming.definition as unknown as PlanDefinition}
                current={current ? (current.definition as unknown as PlanDefinition) : null}
                currentVersion={current?.version ?? null}
                itemNames={itemNames}
                onConfirm={() => approve(confirming)}
                onClose={() => setConfirming(null)}
              />
            )}
            {active && !editing && (
              <button type="button" class="button button-secondary" onClick={() => setEditing(true)}>
                {t.planNewVersion}
              </button>
            )}
            {editing && (
              <PlanEditor
                patientId={patientId}
                current={current}
                onCancel={() => setEditing(false)}
                onSaved={(p) => {
                  setEditing(false);
                  setStatus(t.planDraftSaved(p.version));
                  plans.reload();
                }}
              />
            )}
          </>
        );
      }}
    </Async>
  );
}
