import { call } from '../shared/api.js';
import { useAsync } from '../shared/hooks.js';
import { useI18n } from '../shared/i18n.js';
import type { MyPlan as PlanResponse } from '../../src/api/me.js';
import { PATIENT_TEXTS } from './texts.js';

/** A Norwegian phone number in free text: 8 digits, possibly grouped, possibly with +47. */
const PHONE = /(\+?\d[\d ]{6,}\d)/;

/** The plan's contact line with every phone number as a tel: link (the service's own number). */
export function ContactLine({ text }: { text: string }) {
  return (
    <>
      {text.split(PHONE).map((part, i) =>
        i % 2 === 1 ? (
          <a key={i} href={`tel:${part.replace(/\s+/g, '')}`} class="phone-link">
            {part}
          </a>
        ) : (
          part
        ),
      )}
    </>
  );
}

function contactsOf(plan: PlanResponse | undefined): string | null {
  const def = plan?.definition;
  if (typeof def !== 'object' || def === null || !('contacts' in def)) return null;
  const c = (def as { contacts: unknown }).contacts;
  return typeof c === 'string' && PHONE.test(c) ? c : null;
}

/** On every page: 113, legevakt 116 117 and the follow-up service's number, one tap each. */
export function EmergencyNumbers() {
  const { lang } = useI18n();
  const p = PATIENT_TEXTS[lang];
  const plan = useAsync(() => call('GET /api/me/plan'), []);
  const contacts = contactsOf(plan.data);
  return (
    <footer class="patient-footer" aria-labelledby="emergency-heading">
      <h2 id="emergency-heading">{p.emergencyHeading}</h2>
      <ul class="emergency-list">
        <li>
          <a href="tel:113" class="phone-link">
            {p.emergency113}
          </a>
        </li>
        <li>
          <a href="tel:116117" class="phone-link">
            {p.emergencyLegevakt}
          </a>
        </li>
        {contacts && (
          <li>
            <ContactLine text={contacts} />
          </li>
        )}
      </ul>
    </footer>
  );
}
