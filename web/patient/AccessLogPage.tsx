import { api } from '../shared/api.js';
import { Async, DateTime, roleLabel, TableRegion } from '../shared/components.js';
import { byTimeDesc } from '../shared/format.js';
import { useAsync, useDocumentTitle } from '../shared/hooks.js';
import { useI18n, type Catalogue } from '../shared/i18n.js';
import type { AccessEvent, AccessLogResponse } from '../shared/types.js';

function actionLabel(action: string, t: Catalogue): string {
  switch (action.toLowerCase()) {
    case 'read':
    case 'view':
    case 'search':
      return t.actionRead;
    case 'create':
      return t.actionCreate;
    case 'update':
    case 'write':
      return t.actionUpdate;
    case 'delete':
      return t.actionDelete;
    case 'emergency':
    case 'emergency-access':
    case 'break-glass':
      return t.actionEmergency;
    default:
      return action;
  }
}

function resourceLabel(type: string, t: Catalogue): string {
  switch (type.toLowerCase().replace(/[\s_-]/g, '')) {
    case 'observation':
      return t.resourceObservation;
    case 'patient':
      return t.resourcePatient;
    case 'alert':
    case 'flag':
      return t.resourceAlert;
    case 'message':
    case 'communication':
      return t.resourceMessage;
    case 'plan':
    case 'careplan':
      return t.resourcePlan;
    case 'note':
    case 'contactnote':
      return t.resourceNote;
    case 'episode':
    case 'episodeofcare':
      return t.resourceEpisode;
    case 'questionnaireresponse':
    case 'questionnaire':
      return t.resourceQuestionnaire;
    case 'device':
    case 'deviceloan':
      return t.resourceDevice;
    case 'auditevent':
    case 'accesslog':
      return t.resourceAudit;
    case 'emergencyaccess':
      return t.actionEmergency;
    default:
      return type;
  }
}

function organisationName(org: AccessEvent['organisation']): string {
  if (!org) return '';
  return typeof org === 'string' ? org : org.name;
}

export function AccessLogPage() {
  const { t } = useI18n();
  useDocumentTitle(t.pageTitle(t.accessHeading));
  const state = useAsync(() => api.get<AccessLogResponse>('/api/me/access-log'), []);
  return (
    <>
      <h1>{t.accessHeading}</h1>
      <p class="intro">{t.accessIntro}</p>
      <Async state={state}>
        {(data) =>
          data.events.length === 0 ? (
            <p>{t.accessEmpty}</p>
          ) : (
            <TableRegion label={t.accessCaption}>
              <table class="data-table">
                <caption>{t.accessCaption}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t.colTime}</th>
                    <th scope="col">{t.colWho}</th>
                    <th scope="col">{t.colOrganisation}</th>
                    <th scope="col">{t.colRole}</th>
                    <th scope="col">{t.colAction}</th>
                    <th scope="col">{t.colData}</th>
                  </tr>
                </thead>
                <tbody>
                  {[...data.events]
                    .sort(byTimeDesc((ev) => ev.at))
                    .map((ev, i) => (
                      <tr key={`${ev.at}-${i}`} class={ev.emergency ? 'row-emergency' : undefined}>
                        <th scope="row" class="cell-time">
                          <DateTime iso={ev.at} />
                        </th>
                        <td>{ev.actorName}</td>
                        <td>{organisationName(ev.organisation)}</td>
                        <td>{roleLabel(ev.role, t)}</td>
                        <td>
                          {actionLabel(ev.action, t)}
                          {ev.emergency && <strong class="tag-emergency"> ({t.actionEmergency})</strong>}
                        </td>
                        <td>
                          {resourceLabel(ev.resourceType, t)}
                          {ev.reason && <span class="hint">: «{ev.reason}»</span>}
                        </td>
                      </tr>
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
