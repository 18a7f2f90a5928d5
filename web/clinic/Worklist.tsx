import { useEffect, useRef, useState } from 'preact/hooks';
import { call } from '../shared/api.js';
import { Async, TableRegion } from '../shared/components.js';
import type { WorklistAlert, WorklistItem, WorklistLatest, WorklistStatus } from '../../src/api/worklist.js';
import { formatDate, formatDateTime, formatNumber, formatTime, relativeTime } from '../shared/format.js';
import { useAnnouncer, useAsync, useDocumentTitle, useNow } from '../shared/hooks.js';
import { localized, useI18n, type Catalogue, type Lang } from '../shared/i18n.js';
import { measureName, measureShort, unitLabel } from '../shared/measures.js';
import { Sparkline } from '../shared/sparkline.js';
import { ZoneBadge, zoneWord } from '../shared/zone.js';
import './clinic.css';
import { useMe } from './me.js';
import { useStreamRefresh, useStreamRows, useStreamStatus } from './stream.js';
import { diffWorklist, mergeRows, snapshot, type Change, type PagedItem, type RowSnapshot, type WorklistCounts, type WorklistPage } from './worklistDiff.js';

/** Vital signs first, in the order nurses read them on the phone (NEWS2 order), then the rest. */
const LATEST_ORDER = ['spo2', 'resp_rate', 'heart_rate', 'bp_systolic', 'temperature', 'weight', 'glucose', 'cat', 'phq9', 'gad7', 'symptoms'];
/** At most this many values in a row: the row stays one line (≤ 48 px); the title has all of them. */
const LATEST_SHOWN = 4;
const QUESTIONNAIRES = new Set(['phq9', 'gad7', 'cat', 'symptoms']);

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

/** Whole years between the birth date and `now` (what the nurse says on the phone). */
function ageAt(birthDate: string, now: number): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(birthDate);
  if (!m) return null;
  const today = new Date(now);
  let age = today.getFullYear() - Number(m[1]);
  const [mo, d] = [Number(m[2]), Number(m[3])];
  if (today.getMonth() + 1 < mo || (today.getMonth() + 1 === mo && today.getDate() < d)) age--;
  return age;
}

const DAY_MONTH = new Intl.DateTimeFormat('nb-NO', { day: '2-digit', month: '2-digit', timeZone: 'Europe/Oslo' });

/** A reading's time as short as it can be read: the time of day today, the date otherwise. */
function shortWhen(iso: string, now: number, lang: Lang): string {
  const d = new Date(iso);
  return DAY_MONTH.format(d) === DAY_MONTH.format(new Date(now)) ? formatTime(iso, lang) : DAY_MONTH.format(d);
}

interface Shown {
  key: string;
  label: string;
  name: string;
  text: string;
  at: string;
  zone: string | null;
}

/** Units a nurse does not need spelled out in the one-line list (the title has them). */
const NO_UNIT = new Set(['heart_rate', 'resp_rate', 'bp_systolic', 'glucose', ...QUESTIONNAIRES]);

/**
 * The latest values in reading order; blood pressure, stored as two measurements, as one "132/81"
 * (with the diastolic of the same sitting, else the latest one).
 */
export function latestShown(latest: Record<string, WorklistLatest>, lang: Lang): Shown[] {
  const rank = (code: string): number => {
    const i = LATEST_ORDER.indexOf(code);
    return i === -1 ? LATEST_ORDER.length : i;
  };
  const out: Shown[] = [];
  for (const [code, v] of Object.entries(latest ?? {}).sort(([a], [b]) => rank(a) - rank(b))) {
    if (code === 'bp_diastolic') continue;
    if (code === 'bp_systolic') {
      const dia = latest.bp_diastolic;
      const worst = v.zone === 'red' || dia?.zone === 'red' ? 'red' : v.zone === 'yellow' || dia?.zone === 'yellow' ? 'yellow' : v.zone;
      out.push({
        key: 'bp', label: lang === 'en' ? 'BP' : 'BT', name: measureName('bp_systolic', lang).split(',')[0]!,
        text: `${formatNumber(v.value, lang)}/${dia ? formatNumber(dia.value, lang) : '–'}`, at: v.effectiveAt, zone: worst,
      });
      continue;
    }
    const unit = NO_UNIT.has(code) ? '' : ` ${unitLabel(code, v.unit, lang)}`;
    out.push({ key: code, label: measureShort(code, lang), name: measureName(code, lang), text: `${formatNumber(v.value, lang)}${unit}`, at: v.effectiveAt, zone: v.zone });
  }
  return out;
}

/** The values shown, each followed by its time unless the next value is of the same sitting. */
function LatestValues({ latest, now }: { latest: Record<string, WorklistLatest>; now: number }) {
  const { lang } = useI18n();
  const all = latestShown(latest, lang);
  if (all.length === 0) return null;
  const shown = all.slice(0, LATEST_SHOWN);
  const title = all.map((v) => `${v.name} ${v.text}${v.key === 'bp' ? ' mmHg' : ''}, ${formatDateTime(v.at, lang)}`).join('\n');
  return (
    <ul class="wl-latest" title={title}>
      {shown.map((v, i) => (
        <li key={v.key} class={v.zone === 'red' || v.zone === 'yellow' ? `wl-val wl-val-${v.zone}` : 'wl-val'}>
          <abbr title={v.name}>{v.label}</abbr> <strong>{v.text}</strong>
          {shown[i + 1]?.at !== v.at && (
            <>
              {' '}
              <time dateTime={v.at}>{shortWhen(v.at, now, lang)}</time>
            </>
          )}
        </li>
      ))}
    </ul>
  );
}

/** What a reason chip says: short and plain (the summary, with the rule, is its title). */
export function chipText(a: WorklistAlert, t: Catalogue, lang: Lang): string {
  const code = a.code ?? a.ruleId.split(':')[1] ?? '';
  const v = a.values[a.values.length - 1];
  if (a.kind === 'inactive' || a.ruleId.startsWith('inactive')) return t.wlChipInactive;
  if (a.zone === 'missing' || a.kind.startsWith('missing')) return t.wlChipMissing(code ? measureShort(code, lang) : '');
  if (a.kind === 'news2') return `NEWS2 ${Math.round(a.severity * 20)}`;
  if (a.kind === 'trend') return t.wlChipTrend(code && code in MEASURE_CODES ? measureShort(code, lang) : '');
  if (a.kind === 'combined') return t.wlChipCombined;
  if (v) {
    const unit = QUESTIONNAIRES.has(v.code) ? '' : ` ${unitLabel(v.code, v.unit, lang)}`;
    return `${measureShort(v.code, lang)} ${formatNumber(v.value, lang)}${unit}`;
  }
  return code ? measureShort(code, lang) : localized(a.summary, lang);
}

const MEASURE_CODES: Record<string, true> = Object.fromEntries(LATEST_ORDER.map((c) => [c, true]));

function ReasonChips({ item }: { item: WorklistItem }) {
  const { t, lang } = useI18n();
  const alerts = item.alerts ?? [];
  return (
    <ul class="wl-chips">
      {alerts.map((a) => (
        <li key={a.id} class={`wl-chip wl-chip-${a.zone}`} title={`${localized(a.summary, lang)} (${a.ruleId})`}>
          {/* The zone in words for screen readers; a missing chip says "Mangler …" itself. */}
          {a.zone !== 'missing' && <span class="visually-hidden">{zoneWord(a.zone, t)}: </span>}
          {chipText(a, t, lang)}
        </li>
      ))}
      {item.unreadMessages > 0 && (
        <li class="wl-chip wl-chip-message">
          <a href="#/meldinger">{t.inboxBadge(item.unreadMessages)}</a>
        </li>
      )}
      {alerts.length === 0 && item.unreadMessages === 0 && item.status !== 'green' && item.reason && (
        <li class={`wl-chip wl-chip-${item.status}`}>{localized(item.reason, lang)}</li>
      )}
    </ul>
  );
}

function WorklistRow({ item, now, changed }: { item: WorklistItem; now: number; changed: boolean }) {
  const { t, lang } = useI18n();
  const age = ageAt(item.patient.birthDate, now);
  const phone = item.patient.phone;
  return (
    <tr class={changed ? 'row-changed' : undefined}>
      <td class="wl-status">
        <ZoneBadge zone={item.status} size="sm" />
      </td>
      <th scope="row" class="wl-name">
        <a href={`#/pasient/${encodeURIComponent(item.patient.id)}`} title={`${item.patient.name}, ${formatDate(item.patient.birthDate, lang)}`}>
          {item.patient.name}
        </a>
        {age !== null && <span class="wl-age">, {t.wlAge(age)}</span>}
      </th>
      <td class="wl-phone">
        {phone ? (
          <a href={`tel:${phone.replace(/[^+\d]/g, '')}`} aria-label={`${t.wlCall(item.patient.name)}: ${phone}`}>
            {phone}
          </a>
        ) : (
          <span class="muted">{t.wlNoPhone}</span>
        )}
      </td>
      <td class="wl-reasons">
        <ReasonChips item={item} />
      </td>
      <td class="wl-since">
        {item.status !== 'green' && item.since && (
          <time dateTime={item.since} title={`${relativeTime(item.since, now, t)} (${formatDateTime(item.since, lang)})`}>
            {t.wlAgo(Math.floor((now - Date.parse(item.since)) / 60_000))}
          </time>
        )}
      </td>
      <td class="wl-spark">
        {item.spark && <Sparkline code={item.spark.code} unit={item.latest[item.spark.code]?.unit ?? ''} points={item.spark.points} />}
      </td>
      <td class="wl-latest-cell">
        <LatestValues latest={item.latest} now={now} />
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

/** A filter chip: its label and count as a pill; its name says "Rød (6)". */
function FilterChip({ label, n, pressed, onClick, zone }: { label: string; n: number | null; pressed: boolean; onClick: () => void; zone?: string }) {
  const { lang } = useI18n();
  const count = n === null ? '…' : formatNumber(n, lang);
  return (
    <button type="button" class={`wl-filter${zone ? ` wl-filter-${zone}` : ''}`} aria-pressed={pressed} aria-label={`${label} (${count})`} onClick={onClick}>
      {label} <span class="wl-count">{count}</span>
    </button>
  );
}

/** The worklist query for a filter, leaving out what is not set; texts in the nurse's language only. */
function worklistQuery(f: { status: WorklistStatus | null; query: string; mine: boolean; messages: boolean; lang: Lang }, cursor?: string | null) {
  return {
    lang: f.lang,
    ...(f.status ? { status: f.status } : {}),
    ...(f.query ? { q: f.query } : {}),
    ...(f.mine ? { mine: '1' as const } : {}),
    ...(f.messages ? { messages: '1' as const } : {}),
    ...(cursor ? { cursor } : {}),
  };
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
  const filter = { status, query, mine, messages, lang };
  // A change of language reads the page again: its texts came in the previous one only.
  const state = useAsync(() => call('GET /api/worklist', { query: worklistQuery(filter) }), [status, query, mine, messages, lang]);
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
    () => (gpOffice ? call('GET /api/escalations', { query: { status: 'open' } }) : Promise.resolve({ escalations: [] })),
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
      const p = await call('GET /api/worklist', { query: worklistQuery(filter, nextCursor) });
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
      <div class="wl-head">
        <h1>{t.worklistHeading}</h1>
        <p class={`live-status live-${streamStatus === 'error' ? 'off' : 'on'}`}>
          <span class="live-dot" aria-hidden="true" />
          {streamStatus === 'error' ? t.liveOff : t.liveOn}
          {updatedAt && <> · {t.updatedAt(formatTime(updatedAt, lang))}</>}
        </p>
        <button type="button" class="button button-secondary wl-refresh" onClick={state.reload}>
          {t.refresh}
        </button>
      </div>
      <div class="wl-toolbar">
        <div class="wl-filters" role="group" aria-label={t.worklistFilterLabel}>
          {CHIPS.map((s) => (
            <FilterChip key={s ?? 'all'} zone={s ?? undefined} label={s === 'missing' ? t.wlFilterMissing : chipLabel(s, t)} n={counts ? (s ? counts[s] : counts.all) : null} pressed={status === s} onClick={() => setStatus(s)} />
          ))}
          {/* Combine with the status chips: patients whose messages nobody has answered yet; the nurse's own patients. */}
          <FilterChip label={t.navInbox} n={counts ? counts.messages : null} pressed={messages} onClick={() => setMessages(!messages)} />
          <FilterChip label={t.wlFilterMine} n={counts ? counts.mine : null} pressed={mine} onClick={() => setMine(!mine)} />
        </div>
        <form role="search" class="wl-search" onSubmit={(e) => e.preventDefault()}>
          <label for="worklist-search">{t.worklistSearch}</label>
          <input id="worklist-search" type="search" autocomplete="off" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
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
                <table class="data-table worklist wl-table">
                  <caption class="visually-hidden">{t.worklistCaption}</caption>
                  <thead>
                    <tr>
                      <th scope="col" class="wl-status">{t.colStatus}</th>
                      <th scope="col" class="wl-name">{t.wlColPatient}</th>
                      <th scope="col" class="wl-phone">{t.wlColPhone}</th>
                      <th scope="col" class="wl-reasons">{t.wlColReasons}</th>
                      <th scope="col" class="wl-since">{t.wlColSince}</th>
                      <th scope="col" class="wl-spark">{t.colTrend}</th>
                      <th scope="col" class="wl-latest-cell">{t.wlColLatest}</th>
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
