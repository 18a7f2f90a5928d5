import { useEffect, useId, useMemo, useRef, useState } from 'preact/hooks';
import { errorKey, TableRegion } from '../shared/components.js';
import { call } from '../shared/api.js';
import { toApiError, useAsync } from '../shared/hooks.js';
import { CATALOGUES, LANGS, LANGUAGE_NAMES, localized, msg, raw, useI18n, type Lang, type Text } from '../shared/i18n.js';
import { measureName } from '../shared/measures.js';
import { scheduleText } from '../shared/plan.js';
import type { QuestionnaireDef } from '../../src/api/questionnaires.js';
import { diffPlans, planLines, type PlanChange, type PlanDefinition, type PlanLine, QUESTIONNAIRE_CODES, ZONES } from './planModel.js';
import { DialogFooter } from './DialogFooter.js';

export type ItemNames = (code: string, id: string) => string;

/** Questionnaire texts for item rules (GET /api/questionnaires/:code), all four at once. */
export function useQuestionnaires() {
  return useAsync(async () => {
    const defs = await Promise.all(QUESTIONNAIRE_CODES.map((c) => call('GET /api/questionnaires/:code', { params: { code: c } })));
    return Object.fromEntries(defs.map((d) => [d.code, d])) as Record<string, QuestionnaireDef>;
  }, []);
}

/** "9. Tanker om at du ville vært bedre død …" for item ids, once the questionnaire texts are loaded. */
export function useItemNames(defs: Record<string, QuestionnaireDef> | undefined): ItemNames {
  const { lang } = useI18n();
  return useMemo(
    () => (code: string, id: string) => {
      const items = defs?.[code]?.items ?? [];
      const n = items.findIndex((it) => it.id === id);
      const item = items[n];
      if (!item) return id;
      const text = localized(item.text, lang);
      return `${n + 1}. ${text.length > 60 ? `${text.slice(0, 57)}…` : text}`;
    },
    [defs, lang],
  );
}

function changeLabel(c: PlanChange, t: (typeof CATALOGUES)['nb']): string {
  return c.kind === 'added' ? t.peAdded : c.kind === 'removed' ? t.peRemoved : t.peChanged;
}

/** What changes against the plan in force: one row per statement added, removed or changed. */
export function PlanDiff({ current, currentVersion, next, itemNames }: { current: PlanDefinition | null; currentVersion: number | null; next: PlanDefinition; itemNames: ItemNames }) {
  const { t, lang } = useI18n();
  const changes = diffPlans(current, next, t, lang, itemNames);
  const caption = currentVersion === null ? t.peDiffCaptionNew : t.peDiffCaption(currentVersion);
  if (current && changes.length === 0) return <p class="plan-diff-empty">{t.peDiffNone(currentVersion ?? 0)}</p>;
  return (
    <TableRegion label={caption}>
      <table class="data-table plan-diff">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t.peDiffWhat}</th>
            <th scope="col">{t.peDiffChange}</th>
            <th scope="col">{t.peDiffBefore}</th>
            <th scope="col">{t.peDiffAfter}</th>
          </tr>
        </thead>
        <tbody>
          {changes.map((c, i) => (
            <tr key={i} class={`diff-${c.kind}`}>
              <th scope="row">
                {c.section}: {c.what}
              </th>
              <td>{changeLabel(c, t)}</td>
              <td>{c.before === null ? '–' : <del>{c.before}</del>}</td>
              <td>{c.after === null ? '–' : <ins>{c.after}</ins>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableRegion>
  );
}

/**
 * The plan as the patient will read it (schedule and advice per zone, in the chosen language)
 * and the rules that alert the nurse, in the editor's language.
 */
export function PlanPreview({ plan, itemNames }: { plan: PlanDefinition; itemNames: ItemNames }) {
  const { t, lang } = useI18n();
  const [reader, setReader] = useState<Lang>(lang);
  const name = useId();
  const rt = CATALOGUES[reader];
  const rules = planLines(plan, t, lang, itemNames).filter((l) => !l.key.includes(':advice:') && !l.key.endsWith(':schedule') && l.key !== 'medicines' && l.key !== 'contacts');
  return (
    <div class="plan-preview">
      <fieldset class="choice-row">
        <legend>{t.pePreviewLang}</legend>
        <div class="choice-list choice-row">
          {LANGS.map((l) => (
            <label key={l} class="choice" for={`${name}-${l}`}>
              <input type="radio" id={`${name}-${l}`} name={name} checked={reader === l} onChange={() => setReader(l)} />
              <span lang={l}>{LANGUAGE_NAMES[l]}</span>
            </label>
          ))}
        </div>
      </fieldset>
      <h5>{t.pePreviewPatient}</h5>
      <div class="preview-entries" lang={reader}>
        {[...plan.measures, ...plan.questionnaires].map((e) => (
          <article key={e.code} class="preview-entry card">
            <h6>{measureName(e.code, reader)}</h6>
            <p class="muted">{scheduleText(e.schedule, rt)}</p>
            <dl class="facts">
              {ZONES.map((z) => (
                <div key={z}>
                  <dt>{{ green: rt.zoneGreen, yellow: rt.zoneYellow, red: rt.zoneRed }[z]}</dt>
                  <dd>{e.actions[z][reader]}</dd>
                </div>
              ))}
            </dl>
          </article>
        ))}
      </div>
      <h5>{t.pePreviewRules}</h5>
      <PlanRuleList lines={rules} />
    </div>
  );
}

/**
 * Confirms approval of one draft: names the version, shows what changes against the plan in
 * force, and only then calls the server. Native <dialog> with showModal: focus is trapped,
 * Escape cancels, and focus returns to the button that opened it.
 */
export function ApprovePlanDialog({
  version,
  draft,
  current,
  currentVersion,
  itemNames,
  onConfirm,
  onClose,
}: {
  version: number;
  draft: PlanDefinition;
  current: PlanDefinition | null;
  currentVersion: number | null;
  itemNames: ItemNames;
  onConfirm: () => Promise<void>;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const ref = useRef<HTMLDialogElement>(null);
  const title = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Text | null>(null);

  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    // Start reading at the title naming the version, not inside the table of changes.
    document.getElementById(title)?.focus();
  }, [title]);

  const confirm = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      ref.current?.close();
    } catch (err) {
      const apiError = toApiError(err);
      setError(apiError.status === 409 || apiError.status === 403 ? raw(apiError.message) : msg(errorKey(apiError)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <dialog ref={ref} class="dialog dialog-wide" aria-labelledby={title} onClose={onClose}>
      <form class="stack" onSubmit={(e) => void confirm(e)} noValidate>
        <h2 id={title} tabIndex={-1}>
          {t.peApproveHeading(version)}
        </h2>
        <p>{currentVersion === null ? t.peApproveIntroFirst(version) : t.peApproveIntro(version, currentVersion)}</p>
        <PlanDiff current={current} currentVersion={currentVersion} next={draft} itemNames={itemNames} />
        <DialogFooter errors={error ? [error] : []} saving={busy} confirm={t.planApprove(version)} onCancel={() => ref.current?.close()} />
      </form>
    </dialog>
  );
}

/** The plan's rules as "section, what: value" lines (the preview and the plan in force). */
export function PlanRuleList({ lines }: { lines: readonly PlanLine[] }) {
  return (
    <ul class="preview-rules">
      {lines.map((l) => (
        <li key={l.key}>
          <strong>
            {l.section}, {l.what}:
          </strong>{' '}
          {l.value}
        </li>
      ))}
    </ul>
  );
}
