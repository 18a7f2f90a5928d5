import type { OwnPathway } from '../../src/api/pathway.js';
import { call } from '../shared/api.js';
import { formatDate } from '../shared/format.js';
import { useAsync } from '../shared/hooks.js';
import { useI18n, type Lang } from '../shared/i18n.js';

export type { OwnPathway };

const TEXT: Record<Lang, { paused: (until: string | null, reason: string | null) => string; baseline: (until: string) => string }> = {
  nb: {
    paused: (until, reason) => `Oppfølgingen er satt på pause${until ? ` til og med ${until}` : ''}${reason ? ` (${reason})` : ''}. Du trenger ikke måle i denne perioden, og ingen venter på målingene dine. Ved forverring: ring fastlegen eller legevakt 116 117; ved fare for liv: 113.`,
    baseline: (until) => `Vi lærer dine vanlige verdier til ${until}. Mål hver dag; sykepleier følger bare med på røde verdier i denne perioden.`,
  },
  nn: {
    paused: (until, reason) => `Oppfølginga er sett på pause${until ? ` til og med ${until}` : ''}${reason ? ` (${reason})` : ''}. Du treng ikkje måle i denne perioden, og ingen ventar på målingane dine. Ved forverring: ring fastlegen eller legevakt 116 117; ved fare for liv: 113.`,
    baseline: (until) => `Vi lærer dei vanlege verdiane dine til ${until}. Mål kvar dag; sjukepleiaren følgjer berre med på raude verdiar i denne perioden.`,
  },
  en: {
    paused: (until, reason) => `Your follow-up is paused${until ? ` until ${until}` : ''}${reason ? ` (${reason})` : ''}. You do not need to measure in this period, and nobody is waiting for your readings. If you get worse: call your GP or out-of-hours 116 117; if life is in danger: 113.`,
    baseline: (until) => `We are learning your usual values until ${until}. Measure every day; the nurse only watches red values in this period.`,
  },
};

/** GET /api/me/pathway: the patient's own step (pause, baseline) for the home screen. */
export function useOwnPathway(): OwnPathway | undefined {
  return useAsync(() => call('GET /api/me/pathway'), []).data;
}

/** Tells the patient when follow-up is paused (and until when), or that the baseline period is running. */
export function PathwayNotice({ own: d }: { own: OwnPathway | undefined }) {
  const { lang } = useI18n();
  if (!d) return null;
  if (d.pause) return <div class="notice notice-info pathway-paused"><p>{TEXT[lang].paused(d.pause.until && formatDate(d.pause.until, lang), d.pause.reason)}</p></div>;
  if (d.baseline) return <div class="notice notice-info"><p>{TEXT[lang].baseline(formatDate(d.baseline.endsAt.slice(0, 10), lang))}</p></div>;
  return null;
}
