import { useI18n } from './i18n.js';

/** Who or what produced a reading, as the observations API reports it (src/api/observations.ts Observation). */
export interface ReadingSourceFields {
  source?: 'patient' | 'device' | 'personnel';
  device?: { id: string; serial: string; model: string; manufacturer: string | null };
  /** Entered on the patient's behalf (issue 12): home-care staff or a relative with the patient's delegation. */
  enteredBy?: { kind: 'personnel' | 'relative'; name: string; relation: string | null };
}

/**
 * "fra apparat A&D UA-651BLE" or "skrevet inn": a nurse weighs a typed number differently from one
 * the lent device sent (issue 13). The serial number is in the title for telling two loans apart.
 */
export function ReadingSource({ reading }: { reading: ReadingSourceFields }) {
  const { t } = useI18n();
  if (reading.source === 'device') {
    const d = reading.device;
    const model = d ? [d.manufacturer, d.model].filter(Boolean).join(' ') || d.serial : '';
    return (
      <span class="source-device" title={d ? `${model} (${d.serial})` : undefined}>
        {t.sourceDevice(model).trim()}
      </span>
    );
  }
  const by = reading.enteredBy;
  if (by) return <span class="source-entered-by">{by.kind === 'relative' ? t.sourceByRelative(by.name, by.relation) : t.sourceByPersonnel(by.name)}</span>;
  if (reading.source === 'personnel') return <span>{t.sourcePersonnel}</span>;
  if (reading.source === 'patient') return <span>{t.sourceTyped}</span>;
  return null;
}
