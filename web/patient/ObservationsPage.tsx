import { api, withQuery } from '../shared/api.js';
import { Async, ObservationsTable } from '../shared/components.js';
import { isoDaysAgo } from '../shared/format.js';
import { useAsync, useDocumentTitle } from '../shared/hooks.js';
import { useI18n } from '../shared/i18n.js';
import type { ObservationsResponse } from '../shared/types.js';

export function ObservationsPage() {
  const { t } = useI18n();
  useDocumentTitle(t.pageTitle(t.observationsHeading));
  const state = useAsync(
    () => api.get<ObservationsResponse>(withQuery('/api/me/observations', { from: isoDaysAgo(30) })),
    [],
  );
  return (
    <>
      <h1>{t.observationsHeading}</h1>
      <Async state={state}>
        {(data) =>
          data.observations.length === 0 ? (
            <p class="intro">{t.observationsEmpty}</p>
          ) : (
            <ObservationsTable observations={data.observations} caption={t.observationsCaption} />
          )
        }
      </Async>
    </>
  );
}
