import { isRecord } from '../shared/api.js';
import { DateTime } from '../shared/components.js';
import { byTimeDesc, formatDateTime, formatNumber } from '../shared/format.js';
import { localized, useI18n, type Catalogue, type Lang } from '../shared/i18n.js';
import { measureShort, unitLabel } from '../shared/measures.js';
import type { Alert, AlertStatus } from '../../src/api/alerts.js';
import { ZoneBadge } from '../shared/zone.js';
import type { AlertAction } from './AlertDialog.js';

export function alertTitleId(alert: Alert): string {
  return `alert-title-${alert.id}`;
}

/** Who acted: the contract sends their name (their id when the name is unknown). */
function actorName(actor: Alert['acknowledgedBy']): string {
  return actor ?? '';
}

function statusLabel(status: AlertStatus, t: Catalogue): string {
  return status === 'open' ? t.alertOpen : status === 'acknowledged' ? t.alertAcknowledged : t.alertResolved;
}

function describeValue(entry: unknown, lang: Lang, codeHint?: string): string | null {
  if (typeof entry === 'number') return formatNumber(entry, lang);
  if (typeof entry === 'string') return entry;
  if (!isRecord(entry)) return null;
  const code = typeof entry.code === 'string' ? entry.code : codeHint;
  const value = typeof entry.value === 'number' ? formatNumber(entry.value, lang) : typeof entry.value === 'string' ? entry.value : null;
  if (value === null) return null;
  const unit = typeof entry.unit === 'string' ? ` ${code ? unitLabel(code, entry.unit, lang) : entry.unit}` : '';
  const when = typeof entry.effectiveAt === 'string' ? ` (${formatDateTime(entry.effectiveAt, lang)})` : '';
  return `${code ? `${measureShort(code, lang)} ` : ''}${value}${unit}${when}`;
}

/** `values` has no fixed shape in the contract: accept a list of readings or a map by code. */
function describeValues(values: unknown, lang: Lang): string[] {
  if (Array.isArray(values)) return values.map((v) => describeValue(v, lang)).filter((s): s is string => s !== null);
  if (isRecord(values)) {
    return Object.entries(values)
      .map(([key, v]) => {
        const text = describeValue(v, lang, key);
        return text === null ? null : isRecord(v) ? text : `${key}: ${text}`;
      })
      .filter((s): s is string => s !== null);
  }
  return [];
}

interface CardProps {
  alert: Alert;
  onAction: (alert: Alert, action: AlertAction) => void;
  /** Offered to the follow-up service: hand the alert to the patient's GP office. */
  onEscalate?: ((alert: Alert) => void) | undefined;
  escalated?: ReadonlySet<string> | undefined;
}

function AlertCard({ alert, onAction, onEscalate, escalated }: CardProps) {
  const { t, lang } = useI18n();
  const titleId = alertTitleId(alert);
  const values = describeValues(alert.values, lang);
  return (
    <article class={`alert-card zone-panel zone-panel-${alert.zone ?? 'unknown'}`} aria-labelledby={titleId}>
      <h3 id={titleId} class="alert-title" tabIndex={-1}>
        <ZoneBadge zone={alert.zone} size="sm" />
        <span class="alert-status">
          {t.alertStatus}: {statusLabel(alert.status, t)}
        </span>
        {escalated?.has(alert.id) && <span class="tag tag-strong">{t.escalatedTag}</span>}
      </h3>
      <p class="alert-summary">{localized(alert.summary, lang)}</p>
      <dl class="facts">
        <div>
          <dt>{t.alertRule}</dt>
          <dd>
            {/* The rule in words; its technical id only on hover or when expanded (for support and audit). */}
            <details class="rule-details">
              <summary title={alert.ruleId}>{ruleText(alert, lang)}</summary>
              <code>{alert.ruleId}</code>
            </details>
          </dd>
        </div>
        {alert.planVersion != null && (
          <div>
            <dt>{t.planVersion}</dt>
            <dd>{alert.planVersion}</dd>
          </div>
        )}
        {values.length > 0 && (
          <div>
            <dt>{t.alertValues}</dt>
            <dd>{values.join(', ')}</dd>
          </div>
        )}
        <div>
          <dt>{t.alertFirstAt}</dt>
          <dd>
            <DateTime iso={alert.firstAt} />
          </dd>
        </div>
        {alert.lastAt && alert.lastAt !== alert.firstAt && (
          <div>
            <dt>{t.alertLastAt}</dt>
            <dd>
              <DateTime iso={alert.lastAt} />
            </dd>
          </div>
        )}
        {alert.occurrences > 1 && (
          <div>
            <dt>{t.alertOccurrences}</dt>
            <dd>{alert.occurrences}</dd>
          </div>
        )}
        {alert.acknowledgedAt && (
          <div>
            <dt>{t.alertAcknowledgedBy}</dt>
            <dd>
              {actorName(alert.acknowledgedBy)} <DateTime iso={alert.acknowledgedAt} />
            </dd>
          </div>
        )}
        {alert.resolvedAt && (
          <div>
            <dt>{t.alertResolvedBy}</dt>
            <dd>
              {actorName(alert.resolvedBy)} <DateTime iso={alert.resolvedAt} />
            </dd>
          </div>
        )}
      </dl>
      {alert.status !== 'resolved' && (
        <div class="actions">
          {/* Acknowledging twice makes no sense; an acknowledged alert can only be resolved. */}
          {alert.status === 'open' && (
            <button type="button" class="button button-primary" aria-describedby={titleId} onClick={() => onAction(alert, 'acknowledge')}>
              {t.acknowledge}
            </button>
          )}
          <button type="button" class="button button-secondary" aria-describedby={titleId} onClick={() => onAction(alert, 'resolve')}>
            {t.resolve}
          </button>
          {onEscalate && !escalated?.has(alert.id) && (
            <button type="button" class="button button-secondary" aria-describedby={titleId} onClick={() => onEscalate(alert)}>
              {t.escalate}
            </button>
          )}
        </div>
      )}
    </article>
  );
}

const STATUS_ORDER: Record<AlertStatus, number> = { open: 0, acknowledged: 1, resolved: 2 };
/** Red before yellow before missing: what can hurt the patient first (then open before acknowledged, newest first). */
const ZONE_ORDER: Record<string, number> = { red: 0, yellow: 1, missing: 2 };
const zoneRank = (a: Alert): number => ZONE_ORDER[a.zone ?? ''] ?? 3;

const RULE_TEXT: Record<Lang, { threshold: (m: string) => string; missing: (m: string) => string; missingForm: (m: string) => string; inactive: string; trend: string; combined: string; news2: string; questionnaire: (m: string) => string; item9: string; other: string }> = {
  nb: { threshold: (m) => `Utenfor grensen i planen: ${m}`, missing: (m) => `Mangler måling: ${m}`, missingForm: (m) => `Mangler skjema: ${m}`, inactive: 'Ingen aktivitet på flere dager', trend: 'Utvikling over flere dager', combined: 'Flere målinger sammen', news2: 'NEWS2-poengsum', questionnaire: (m) => `Spørreskjema: ${m}`, item9: 'PHQ-9 spørsmål 9 (tanker om å skade seg selv)', other: 'Regel i planen' },
  nn: { threshold: (m) => `Utanfor grensa i planen: ${m}`, missing: (m) => `Manglar måling: ${m}`, missingForm: (m) => `Manglar skjema: ${m}`, inactive: 'Ingen aktivitet på fleire dagar', trend: 'Utvikling over fleire dagar', combined: 'Fleire målingar saman', news2: 'NEWS2-poengsum', questionnaire: (m) => `Spørjeskjema: ${m}`, item9: 'PHQ-9 spørsmål 9 (tankar om å skade seg sjølv)', other: 'Regel i planen' },
  en: { threshold: (m) => `Outside the plan's limit: ${m}`, missing: (m) => `Missing measurement: ${m}`, missingForm: (m) => `Missing questionnaire: ${m}`, inactive: 'No activity for several days', trend: 'Change over several days', combined: 'Several measurements together', news2: 'NEWS2 score', questionnaire: (m) => `Questionnaire: ${m}`, item9: 'PHQ-9 item 9 (thoughts of self-harm)', other: 'A rule of the plan' },
};
const QUESTIONNAIRE_CODES = new Set(['phq9', 'gad7', 'cat', 'symptoms']);

/** The rule that raised the alert in plain words (the id is for support, not for the phone call). */
export function ruleText(alert: Pick<Alert, 'ruleId' | 'kind'>, lang: Lang): string {
  const r = RULE_TEXT[lang];
  const [kind, code = '', sub] = alert.ruleId.split(':');
  const name = code ? measureShort(code, lang) : '';
  if (kind === 'threshold') return r.threshold(name);
  if (kind === 'inactive' || alert.kind === 'inactive') return r.inactive;
  if (kind === 'missing') return QUESTIONNAIRE_CODES.has(code) || alert.kind === 'missing_questionnaire' ? r.missingForm(name) : r.missing(name);
  if (kind === 'trend') return r.trend;
  if (kind === 'combined') return r.combined;
  if (kind === 'news2') return r.news2;
  if (kind === 'questionnaire') return code === 'phq9' && sub === 'item9' ? r.item9 : r.questionnaire(name || code.toUpperCase());
  // Never the raw id in the text: it is on hover and under the expander.
  return r.other;
}

export function AlertList({
  alerts,
  onAction,
  onEscalate,
  escalated,
}: {
  alerts: Alert[];
  onAction: (alert: Alert, action: AlertAction) => void;
  onEscalate?: ((alert: Alert) => void) | undefined;
  escalated?: ReadonlySet<string> | undefined;
}) {
  const { t } = useI18n();
  const newest = byTimeDesc<Alert>((a) => a.lastAt || a.firstAt);
  const active = alerts
    .filter((a) => a.status !== 'resolved')
    .sort((a, b) => zoneRank(a) - zoneRank(b) || STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || newest(a, b));
  const resolved = alerts.filter((a) => a.status === 'resolved').sort(byTimeDesc((a) => a.resolvedAt ?? a.lastAt));
  return (
    <>
      {active.length === 0 ? (
        <p>{t.alertsEmpty}</p>
      ) : (
        <div class="alert-list">
          {active.map((a) => (
            <AlertCard key={a.id} alert={a} onAction={onAction} onEscalate={onEscalate} escalated={escalated} />
          ))}
        </div>
      )}
      {resolved.length > 0 && (
        <details class="resolved-alerts">
          <summary>
            {t.resolvedAlertsHeading} ({resolved.length})
          </summary>
          <div class="alert-list">
            {resolved.map((a) => (
              <AlertCard key={a.id} alert={a} onAction={onAction} />
            ))}
          </div>
        </details>
      )}
    </>
  );
}
