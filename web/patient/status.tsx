import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { StatusResponse } from '../../src/api/me.js';
import { call, loginUrl } from '../shared/api.js';
import { useNow } from '../shared/hooks.js';
import { useI18n } from '../shared/i18n.js';
import { PhoneLinks } from '../shared/phoneLinks.js';
import { ZoneBadge } from '../shared/zone.js';
import { type Outbox, useOutbox, useOutboxItems } from './outbox.js';
import { PATIENT_TEXTS } from './texts.js';

/** GET /api/me/status: open advice until a nurse acknowledges, whether the plan is approved, and the session's end. */
export type MyStatus = StatusResponse;

/** Session ends on this device's clock: the server's remaining time added to the moment of the answer. */
export interface SessionDeadlines {
  idleEnd: number;
  absoluteEnd: number;
}

/** Warn this long before the session ends, so a reading being typed is not lost. */
const WARN_MS = 5 * 60_000;

interface StatusValue {
  status: MyStatus | null;
  deadlines: SessionDeadlines | null;
  reload: () => void;
}

export const StatusContext = createContext<StatusValue>({ status: null, deadlines: null, reload: () => undefined });

export function useMyStatus(): StatusValue {
  return useContext(StatusContext);
}

/**
 * Fetches the status when the app opens, on every navigation and after a reading is delivered —
 * never on a timer, because every request counts as activity and would keep an unattended
 * session alive for ever. The session end is estimated from the last fetch (other requests can
 * only move it later, so the warning is never too late).
 */
export function useStatusLoader(key: string, enabled: boolean, outbox: Outbox | null): StatusValue {
  const [status, setStatus] = useState<MyStatus | null>(null);
  const [deadlines, setDeadlines] = useState<SessionDeadlines | null>(null);
  const load = useCallback(() => {
    if (!enabled) return;
    call('GET /api/me/status').then((s) => {
      setStatus(s);
      if (s.session) {
        // A tablet's clock may be wrong: count the server's remaining time from now, on this device.
        const server = Date.parse(s.session.serverNow);
        const here = Date.now();
        setDeadlines({ idleEnd: here + Date.parse(s.session.idleExpiresAt) - server, absoluteEnd: here + Date.parse(s.session.expiresAt) - server });
      } else setDeadlines(null);
    }, () => undefined);
  }, [enabled]);
  useEffect(load, [load, key]);
  useEffect(() => outbox?.subscribe((e) => e.type === 'delivered' && load()), [outbox, load]);
  return { status, deadlines, reload: load };
}

/** A warning that the session is over and why, with the way back in to the login page. */
function LoginAgainAlert({ kind, text }: { kind: 'session-warning' | 'login-again'; text: string }) {
  const { lang } = useI18n();
  return (
    <div class={`notice notice-warning ${kind}`} role="alert">
      <p>{text}</p>
      <p>
        <a class="button button-primary" href={loginUrl('patient')}>
          {PATIENT_TEXTS[lang].loginAgain}
        </a>
      </p>
    </div>
  );
}

/**
 * A warning five minutes before the session ends (idle or absolute), a button that keeps it alive,
 * and, once it has ended, a plain way back in that says readings are kept.
 */
export function SessionWarning() {
  const { lang } = useI18n();
  const p = PATIENT_TEXTS[lang];
  const { deadlines, reload } = useMyStatus();
  const now = useNow(15_000);
  const ref = useRef<HTMLDivElement>(null);
  if (!deadlines) return null;
  const idleEnd = deadlines.idleEnd;
  const absEnd = deadlines.absoluteEnd;
  const end = Math.min(idleEnd, absEnd);
  if (end - now > WARN_MS) return null;
  const minutes = Math.max(1, Math.ceil((end - now) / 60_000));
  if (end <= now) {
    return <LoginAgainAlert kind="session-warning" text={p.sessionEnded} />;
  }
  return (
    <div class="notice notice-warning session-warning" role="alert" ref={ref}>
      {absEnd <= idleEnd ? (
        <p>{p.sessionAbsolute(minutes)}</p>
      ) : (
        <>
          <p>{p.sessionSoon(minutes)}</p>
          <button type="button" class="button button-primary" onClick={reload}>
            {p.sessionStay}
          </button>
        </>
      )}
    </div>
  );
}

/** Shown while a reading waits in the queue because the session had expired when it was sent. */
export function LoginAgainNotice() {
  const { lang } = useI18n();
  const outbox = useOutbox();
  useOutboxItems(); // re-render on queue changes
  if (!outbox?.loginNeeded) return null;
  const p = PATIENT_TEXTS[lang];
  return <LoginAgainAlert kind="login-again" text={p.loginAgainSaved} />;
}

/**
 * The advice texts a notice does not already quote ("Gjør dette nå: Ring legevakt 116 117."), so
 * each advice — and "ring 113" — is said once.
 */
export function notQuoted(texts: readonly string[], notice: string | null | undefined): string[] {
  const strip = (x: string): string => x.trim().replace(/[.!?]$/, '');
  return texts.filter((x) => !(notice ?? '').includes(strip(x)));
}

/**
 * The advice of the latest red or yellow readings, every deviating measure's text, until a nurse
 * has acknowledged them: closing the feedback must not make the advice disappear.
 */
export function OpenAdvice() {
  const { lang } = useI18n();
  const { status } = useMyStatus();
  const a = status?.advice;
  if (!a) return null;
  const p = PATIENT_TEXTS[lang];
  // The notice already quotes the most urgent advice; the list keeps every other measure's text.
  const others = notQuoted(a.actions.map((x) => x.text), a.notice).map((text) => ({ text }));
  return (
    <section class={`card open-advice zone-panel zone-panel-${a.zone}`} aria-labelledby="open-advice-heading">
      <h2 id="open-advice-heading">{p.adviceHeading}</h2>
      <p>
        <ZoneBadge zone={a.zone} size="lg" />
      </p>
      {a.notice && (
        <p class="advice-notice">
          <PhoneLinks text={a.notice} />
        </p>
      )}
      {others.length > 0 && (
      <ul class="advice-list">
        {others.map((x) => (
          <li key={x.text}>
            <PhoneLinks text={x.text} />
          </li>
        ))}
      </ul>
      )}
      <p class="hint">{p.adviceUntilNurse}</p>
    </section>
  );
}
