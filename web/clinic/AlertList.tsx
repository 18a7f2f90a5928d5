import { isRecord } from '../shared/api.js';
import { DateTime } from '../shared/components.js';
import { byTimeDesc, formatDateTime, formatNumber } from '../shared/format.js';
import { localized, useI18n, type Catalogue, type Lang } from '../shared/i18n.js';
import { measureShort, unitLabel } from '../shared/measures.js';
import type { Actor, Alert, AlertStatus } from '../shared/types.js';
import { ZoneBadge } from '../shared/zone.js';
import type { AlertAction } from './AlertDialog.js';

export function alertTitleId(alert: Alert): string {
  return `alert-title-${alert.id}`;
}

function actorName(actor: Actor): string {
  if (!actor) return '';
  return typeof actor === 'string' ? actor : (actor.name ?? actor.id ?? '');
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
            <code>{alert.ruleId}</code>
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
    .sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || newest(a, b));
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
