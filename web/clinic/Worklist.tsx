import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../shared/api.js';
import { Async, TableRegion } from '../shared/components.js';
import { formatDate, formatDateTime, formatNumber, formatTime, relativeTime } from '../shared/format.js';
import { useAnnouncer, useAsync, useDocumentTitle, useNow } from '../shared/hooks.js';
import { localized, useI18n, type Catalogue } from '../shared/i18n.js';
import { measureName, measureShort, unitLabel } from '../shared/measures.js';
import type { LatestValue, WorklistItem, WorklistResponse } from '../shared/types.js';
import { Sparkline } from '../shared/sparkline.js';
import type { EscalationsResponse } from '../shared/types.js';
import { ZoneBadge } from '../shared/zone.js';
import { useMe } from './me.js';
import { useStreamRefresh, useStreamStatus } from './stream.js';
import { diffWorklist, snapshot, type Change, type RowSnapshot } from './worklistDiff.js';

/** Vital signs first, in the order nurses read them (NEWS2-like), then anything else. */
const LATEST_ORDER = ['59408-5', '2708-6', '8867-4', '9279-1', '8480-6', '8462-4', '8310-5', '29463-7', '14743-9', '15074-8'];

function orderedLatest(latest: Record<string, LatestValue>): Array<[string, LatestValue]> {
  const rank = (code: string): number => {
    const i = LATEST_ORDER.indexOf(code);
    return i === -1 ? LATEST_ORDER.length : i;
  };
  return Object.entries(latest ?? {}).sort(([a], [b]) => rank(a) - rank(b));
}

function announcement(change: Change, t: Catalogue): string {
  switch (change.kind) {
    case 'red':
      return t.announceRed(change.name);
    case 'yellow':
      return t.announceYellow(change.name);
    case 'missing':
      return t.announceMissing(change.name);
    default:
      return t.announceNewPatient(change.name);
  }
}

function LatestValues({ latest }: { latest: Record<string, LatestValue> }) {
  const { lang } = useI18n();
  const entries = orderedLatest(latest);
  if (entries.length === 0) return null;
  return (
    <ul class="latest-list">
      {entries.map(([code, v]) => (
        <li key={code}>
          <abbr title={measureName(code, lang)} class="latest-name">
            {measureShort(code, lang)}
          </abbr>{' '}
          <time class="latest-value" dateTime={v.effectiveAt} title={formatDateTime(v.effectiveAt, lang)}>
            {formatNumber(v.value, lang)} {unitLabel(code, v.unit, lang)}
          </time>
          {/* Normal values stay plain so deviations stand out; deviations carry icon + word. */}
          {(v.zone === 'yellow' || v.zone === 'red') && (
            <>
              {' '}
              <ZoneBadge zone={v.zone} size="sm" />
            </>
          )}
        </li>
      ))}
    </ul>
  );
}

function WorklistRow({ item, now, changed }: { item: WorklistItem; now: number; changed: boolean }) {
  const { t, lang } = useI18n();
  return (
    <tr class={changed ? 'row-changed' : undefined}>
      <td>
        <ZoneBadge zone={item.status} size="sm" />
      </td>
      <th scope="row">
        <a href={`#/pasient/${encodeURIComponent(item.patient.id)}`}>{item.patient.name}</a>
      </th>
      <td class="nowrap">{formatDate(item.patient.birthDate, lang)}</td>
      <td>{localized(item.reason, lang)}</td>
      <td class="nowrap">
        {item.since && (
          <time dateTime={item.since} title={formatDateTime(item.since, lang)}>
            {relativeTime(item.since, now, t)}
          </time>
        )}
      </td>
      <td class="num">{item.openAlerts > 0 ? <strong>{item.openAlerts}</strong> : item.openAlerts}</td>
      <td class="cell-spark">
        {item.spark && <Sparkline code={item.spark.code} unit={item.latest[item.spark.code]?.unit ?? ''} points={item.spark.points} />}
      </td>
      <td>
        <LatestValues latest={item.latest} />
      </td>
    </tr>
  );
}

export function Worklist() {
  const { t, lang } = useI18n();
  useDocumentTitle(t.pageTitle(t.worklistHeading));
  const state = useAsync(() => api.get<WorklistResponse>('/api/worklist'), []);
  const now = useNow(30_000);
  const streamStatus = useStreamStatus();
  const [message, announce] = useAnnouncer();
  const previous = useRef<Map<string, RowSnapshot> | null>(null);
  const [changed, setChanged] = useState<ReadonlySet<string>>(new Set());
  const [updatedAt, setUpdatedAt] = useState<string | null>(null);

  const me = useMe();
  const gpOffice = me?.organisation.kind === 'gp_office';
  const escalations = useAsync(
    () => (gpOffice ? api.get<EscalationsResponse>('/api/escalations?status=open') : Promise.resolve({ escalations: [] })),
    [gpOffice],
  );
  useStreamRefresh(() => {
    state.reload();
    if (gpOffice) escalations.reload();
  });

  useEffect(() => {
    if (!state.data) return;
    const items = state.data.items;
    // The first load is not news; only later refetches are compared and announced.
    if (previous.current) {
      const changes = diffWorklist(previous.current, items);
      if (changes.length > 0) {
        announce(changes.map((c) => announcement(c, t)).join('. '));
        setChanged(new Set(changes.map((c) => c.patientId)));
      }
    }
    previous.current = snapshot(items);
    setUpdatedAt(new Date().toISOString());
    // Only new data is diffed; a language switch must not re-announce the last change.
  }, [state.data]);

  useEffect(() => {
    if (changed.size === 0) return;
    const id = window.setTimeout(() => setChanged(new Set()), 15_000);
    return () => window.clearTimeout(id);
  }, [changed]);

  return (
    <>
      <h1>{t.worklistHeading}</h1>
      <div class="toolbar">
        <p class={`live-status live-${streamStatus === 'error' ? 'off' : 'on'}`}>
          <span class="live-dot" aria-hidden="true" />
          {streamStatus === 'error' ? t.liveOff : t.liveOn}
          {updatedAt && <> · {t.updatedAt(formatTime(updatedAt, lang))}</>}
        </p>
        <button type="button" class="button button-secondary" onClick={state.reload}>
          {t.refresh}
        </button>
      </div>
      <p class="live-announcement" aria-live="polite" aria-atomic="true">
        {message}
      </p>
      {gpOffice && (escalations.data?.escalations.length ?? 0) > 0 && (
        <p class="notice notice-warning escalation-banner">
          <a href="#/eskaleringer">{t.escalationsBanner(escalations.data?.escalations.length ?? 0)}</a>
        </p>
      )}
      <Async state={state}>
        {(data) =>
          data.items.length === 0 ? (
            <p>{t.worklistEmpty}</p>
          ) : (
            <TableRegion label={t.worklistCaption}>
              <table class="data-table worklist">
                <caption>{t.worklistCaption}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t.colStatus}</th>
                    <th scope="col">{t.colName}</th>
                    <th scope="col">{t.colBirthDate}</th>
                    <th scope="col">{t.colReason}</th>
                    <th scope="col">{t.colSince}</th>
                    <th scope="col" class="num">
                      {t.colOpenAlerts}
                    </th>
                    <th scope="col">{t.colTrend}</th>
                    <th scope="col">{t.colLatest}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((item) => (
                    <WorklistRow
                      key={item.patient.id}
                      item={item}
                      now={now}
                      changed={changed.has(item.patient.id)}
                    />
                  ))}
                </tbody>
              </table>
            </TableRegion>
          )
        }
      </Async>
    </>
  );
}
