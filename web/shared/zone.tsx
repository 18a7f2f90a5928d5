import { useI18n, type Catalogue, type Lang } from './i18n.js';
import type { WorklistStatus } from '../../src/api/worklist.js';

type ZoneKey = WorklistStatus | 'unknown';

function zoneKey(zone: string | null | undefined): ZoneKey {
  return zone === 'green' || zone === 'yellow' || zone === 'red' || zone === 'missing' ? zone : 'unknown';
}

export function zoneWord(zone: string | null | undefined, t: Catalogue): string {
  switch (zoneKey(zone)) {
    case 'green':
      return t.zoneGreen;
    case 'yellow':
      return t.zoneYellow;
    case 'red':
      return t.zoneRed;
    case 'missing':
      return t.zoneMissing;
    default:
      return t.zoneUnknown;
  }
}

/**
 * Each zone has its own shape (circle-check, triangle, octagon, dashed circle) so the zone can be
 * told apart without colour, and the word is always printed next to it.
 */
export function ZoneIcon({ zone }: { zone: string | null | undefined }) {
  const key = zoneKey(zone);
  const common = { class: 'zone-icon', viewBox: '0 0 24 24', 'aria-hidden': 'true' as const, focusable: 'false' };
  switch (key) {
    case 'green':
      return (
        <svg {...common}>
          <circle cx="12" cy="12" r="11" fill="currentColor" />
          <path d="M6.5 12.5l3.5 3.5 7.5-8" fill="none" stroke="#fff" stroke-width="2.6" stroke-linecap="round" stroke-linejoin="round" />
        </svg>
      );
    case 'yellow':
      return (
        <svg {...common}>
          <path d="M12 1.5L23 21.5H1z" fill="currentColor" stroke="currentColor" stroke-width="1" stroke-linejoin="round" />
          <path d="M12 8.5v6" stroke="#fff" stroke-width="2.6" stroke-linecap="round" />
          <circle cx="12" cy="18" r="1.5" fill="#fff" />
        </svg>
      );
    case 'red':
      return (
        <svg {...common}>
          <path d="M7.4 1h9.2L23 7.4v9.2L16.6 23H7.4L1 16.6V7.4z" fill="currentColor" />
          <path d="M12 6v7.5" stroke="#fff" stroke-width="2.8" stroke-linecap="round" />
          <circle cx="12" cy="17.5" r="1.7" fill="#fff" />
        </svg>
      );
    case 'missing':
      return (
        <svg {...common}>
          <circle cx="12" cy="12" r="10" fill="none" stroke="currentColor" stroke-width="2.4" stroke-dasharray="4 2.6" />
          <path d="M12 6.5v6l3.5 2" fill="none" stroke="currentColor" stroke-width="2.4" stroke-linecap="round" />
        </svg>
      );
    default:
      return (
        <svg {...common}>
          <circle cx="12" cy="12" r="10" fill="none" stroke="currentColor" stroke-width="2.4" />
          <path d="M7 12h10" stroke="currentColor" stroke-width="2.4" stroke-linecap="round" />
        </svg>
      );
  }
}

/** What a zone means for the patient, after the colour word ("Gul – litt utenfor målet ditt"). */
const MEANING: Record<Lang, Partial<Record<ZoneKey, string>>> = {
  nb: { green: 'innenfor målet ditt', yellow: 'litt utenfor målet ditt', red: 'langt utenfor målet ditt' },
  nn: { green: 'innanfor målet ditt', yellow: 'litt utanfor målet ditt', red: 'langt utanfor målet ditt' },
  en: { green: 'within your target', yellow: 'a little outside your target', red: 'well outside your target' },
};

/** "litt utenfor målet ditt": what a zone means for the patient, or undefined for other states. */
export function zoneMeaning(zone: string | null | undefined, lang: Lang): string | undefined {
  return MEANING[lang][zoneKey(zone)];
}

/** The zone word; the large (patient-facing) badge also says what the zone means. */
export function ZoneBadge({ zone, size = 'md' }: { zone: string | null | undefined; size?: 'sm' | 'md' | 'lg' }) {
  const { t, lang } = useI18n();
  const meaning = size === 'lg' ? MEANING[lang][zoneKey(zone)] : undefined;
  return (
    <span class={`zone zone-${zoneKey(zone)} zone-${size}`}>
      <ZoneIcon zone={zone} />
      <span class="zone-word">
        {zoneWord(zone, t)}
        {meaning && ` – ${meaning}`}
      </span>
    </span>
  );
}
