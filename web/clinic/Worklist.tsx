import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../shared/api.js';
import { Async, TableRegion } from '../shared/components.js';
import { formatDate, formatDateTime, formatNumber, formatTime, relativeTime } from '../shared/format.js';
import { useAnnouncer, useAsync, useDocumentTitle, useNow } from '../shared/hooks.js';
import { localized, useI18n, type Catalogue } from '../shared/i18n.js';
import { measureName, measureShort, unitLabel } from '../shared/measures.js';
import type { LatestValue, WorklistItem, WorklistStatus } from '../shared/types.js';
import { Sparkline } from '../shared/sparkline.js';
import type { EscalationsResponse } from '../shared/types.js';
import { ZoneBadge } from '../shared/zone.js';
import { useMe } from './me.js';
import { useStreamRefresh, useStreamRows, useStreamStatus } from './stream.js';
import { diffWorklist, mergeRows, snapshot, type Change, type PagedItem, type RowSnapshot, type WorklistCounts, type WorklistPage } from './worklistDiff.js';

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
        {(item.unreadMessages ?? 0) > 0 && (
          <>
            {' '}
            <a class="tag tag-strong" href="#/meldinger">
              {t.inboxBadge(item.unreadMessages ?? 0)}
            </a>
          </>
        )}
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

/** Filter chips: every status that needs attention, and all. */
const CHIPS: Array<WorklistStatus | null> = [null, 'red', 'yellow', 'missing'];
/** Typing pauses this long before the search goes to the server. */
const SEARCH_DEBOUNCE_MS = 300;

function chipLabel(status: WorklistStatus | null, t: Catalogue): string {
  switch (status) {
    case 'red':
      return t.zoneRed;
    case 'yellow':
      return t.zoneYellow;
    case 'missing':
      return t.zoneMissing;
    case 'green':
      return t.zoneGreen;
    default:
      return t.worklistAll;
  }
}

function worklistUrl(f: { status: WorklistStatus | null; query: string; mine: boolean; messages: boolean }, cursor?: string | null): string {
  const p = new URLSearchParams();
  if (f.status) p.set('status', f.status);
  if (f.query) p.set('q', f.query);
  if (f.mine) p.set('mine', '1');
  if (f.messages) p.set('messages', '1');
  if (cursor) p.set('cursor', cursor);
  const qs = p.toString();
  return `/api/worklist${qs ? `?${qs}` : ''}`;
}

/**
 * The nurse's worklist: one page (50) at a time from the server, with counts per status on the
 * filter chips, search by name or fødselsnummer and "only my patients". Live: the stream's
 * `rows` events carry just the rows that changed, merged in place; a burst or a reconnect refetches.
 */
export function Worklist() {
  const { t, lang } = useI18n();
  useDocumentTitle(t.pageTitle(t.worklistHeading));
  const [status, setStatus] = useState<WorklistStatus | null>(null);
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  const [mine, setMine] = useState(false);
  const [messages, setMessages] = useState(false);
  const filter = { status, query, mine, messages };
  const state = useAsync(() => api.get<WorklistPage>(worklistUrl(filter)), [status, query, mine, messages]);
  const [rows, setRows] = useState<PagedItem[]>([]);
  const [counts, setCounts] = useState<WorklistCounts | null>(null);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const now = useNow(30_000);
  const streamStatus = useStreamStatus();
  const [message, announce] = useAnnouncer();
  const previous = useRef<Map<string, RowSnapshot> | null>(null);
  const shownFilter = useRef('');
  const rowsRef = useRef<PagedItem[]>([]);
  const cursorRef = useRef<string | null>(null);
  const [changed, setChanged] = useState<ReadonlySet<string>>(new Set());
  const [updatedAt, setUpdatedAt] = useState<string | null>(null);

  const me = useMe();
  const gpOffice = me?.organisation.kind === 'gp_office';
  const escalations = useAsync(
    () => (gpOffice ? api.get<EscalationsResponse>('/api/escalations?status=open') : Promise.resolve({ escalations: [] })),
    [gpOffice],
  );
  useStreamRefresh(() => {
    if (gpOffice) escalations.reload();
  });

  useEffect(() => {
    const id = window.setTimeout(() => setQuery(search.trim()), SEARCH_DEBOUNCE_MS);
    return () => window.clearTimeout(id);
  }, [search]);

  /** Shows new rows; announces what got worse unless the nurse changed the filter herself. */
  const show = (items: PagedItem[], news: boolean) => {
    if (news && previous.current) {
      const changes = diffWorklist(previous.current, items);
      if (changes.length > 0) {
        announce(changes.map((c) => announcement(c, t)).join('. '));
        setChanged(new Set(changes.map((c) => c.patientId)));
      }
    }
    previous.current = snapshot(items);
    rowsRef.current = items;
    setRows(items);
    setUpdatedAt(new Date().toISOString());
  };

  useEffect(() => {
    if (!state.data) return;
    const key = `${status}|${query}|${mine}|${messages}`;
    // The first load and a new filter are not news; only refetches of the same view are compared.
    show(state.data.items, shownFilter.current === key);
    shownFilter.current = key;
    setCounts(state.data.counts);
    cursorRef.current = state.data.nextCursor;
    setNextCursor(state.data.nextCursor);
    // Only new data is diffed; a language switch must not re-announce the last change.
  }, [state.data]);

  useStreamRows((event) => {
    // Counts under a search or "mine" filter are not the stream's (whole caseload): refetch those.
    if (event === null || query || mine || messages) {
      state.reload();
      return;
    }
    show(mergeRows(rowsRef.current, event, { status, complete: cursorRef.current === null }), true);
    setCounts(event.counts);
  });

  const showMore = async () => {
    if (!nextCursor) return;
    setLoadingMore(true);
    try {
      const p = await api.get<WorklistPage>(worklistUrl(filter, nextCursor));
      const have = new Set(rowsRef.current.map((r) => r.patient.id));
      const items = [...rowsRef.current, ...p.items.filter((i) => !have.has(i.patient.id))];
      previous.current = snapshot(items);
      rowsRef.current = items;
      setRows(items);
      setCounts(p.counts);
      cursorRef.current = p.nextCursor;
      setNextCursor(p.nextCursor);
    } catch {
      state.reload();
    } finally {
      setLoadingMore(false);
    }
  };

  useEffect(() => {
    if (changed.size === 0) return;
    const id = window.setTimeout(() => setChanged(new Set()), 15_000);
    return () => window.clearTimeout(id);
  }, [changed]);

  const total = counts ? (status ? counts[status] : counts.all) : rows.length;
  const filtered = status !== null || query !== '' || mine || messages;

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
      <div class="toolbar">
        <div class="lang-switcher" role="group" aria-label={t.worklistFilterLabel}>
          {CHIPS.map((s) => (
            <button key={s ?? 'all'} type="button" class="lang-button" aria-pressed={status === s} onClick={() => setStatus(s)}>
              {chipLabel(s, t)} ({counts ? formatNumber(s ? counts[s] : counts.all, lang) : '…'})
            </button>
          ))}
          {/* Combines with the status chips: patients whose messages nobody has answered yet. */}
          <button type="button" class="lang-button" aria-pressed={messages} onClick={() => setMessages(!messages)}>
            {t.navInbox} ({counts?.messages !== undefined ? formatNumber(counts.messages, lang) : '…'})
          </button>
        </div>
        <form role="search" onSubmit={(e) => e.preventDefault()}>
          <label for="worklist-search">{t.worklistSearch}</label>{' '}
          <input id="worklist-search" type="text" autocomplete="off" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />{' '}
          <label>
            <input type="checkbox" checked={mine} onChange={(e) => setMine(e.currentTarget.checked)} /> {t.worklistMine}
          </label>
        </form>
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
        {() =>
          rows.length === 0 ? (
            <p>{filtered ? t.worklistNoMatch : t.worklistEmpty}</p>
          ) : (
            <>
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
                    {rows.map((item) => (
                      <WorklistRow key={item.patient.id} item={item} now={now} changed={changed.has(item.patient.id)} />
                    ))}
                  </tbody>
                </table>
              </TableRegion>
              <div class="toolbar">
                <p class="live-status">{t.worklistShowing(rows.length, Math.max(total, rows.length))}</p>
                {nextCursor && (
                  <button type="button" class="button button-secondary" aria-busy={loadingMore} disabled={loadingMore} onClick={() => void showMore()}>
                    {t.worklistShowMore}
                  </button>
                )}
              </div>
            </>
          )
        }
      </Async>
    </>
  );
}
