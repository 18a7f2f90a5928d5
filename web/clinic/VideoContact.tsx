import { useState } from 'preact/hooks';
import { call } from '../shared/api.js';
import { useAsync } from '../shared/hooks.js';
import { useI18n } from '../shared/i18n.js';
import './burden.css';
import { ContactNoteDialog } from './ContactNoteDialog.js';

/*
 * Contact by video (issue 12). Varde has no video of its own: the link goes to the municipality's
 * video service (server config VIDEO_LINK_TEMPLATE / VIDEO_LINK_TEMPLATES, notes/video.ts) and
 * opens in a new tab; afterwards the nurse documents the consultation as a contact of type video.
 * Nothing is shown when the service has no video service configured.
 */
export function VideoContact({ patientId, onDocumented }: { patientId: string; onDocumented: () => void }) {
  const { t } = useI18n();
  const link = useAsync(() => call('GET /api/patients/:id/video-link', { params: { id: patientId } }), [patientId]);
  const [started, setStarted] = useState(false);
  const [documenting, setDocumenting] = useState(false);
  const [status, setStatus] = useState<string | null>(null);
  const url = link.data?.url;
  if (!url) return null;
  return (
    <div class="actions video-contact">
      <a
        class="button button-secondary"
        href={url}
        target="_blank"
        rel="noopener noreferrer"
        onClick={() => {
          setStarted(true);
          setStatus(null);
        }}
      >
        {t.videoStart} <span class="visually-hidden">{t.videoNewTab}</span>
      </a>
      {started && (
        <button type="button" class="button button-primary" onClick={() => setDocumenting(true)}>
          {t.videoDocument}
        </button>
      )}
      <p role="status" class="status-text">
        {status}
      </p>
      {documenting && (
        <VideoNoteDialog
          patientId={patientId}
          onClose={() => setDocumenting(false)}
          onDone={() => {
            setStarted(false);
            setStatus(t.videoDocumented);
            onDocumented();
          }}
        />
      )}
    </div>
  );
}

/** The contact note for the consultation: type video chosen, the text the nurse's own. */
function VideoNoteDialog({ patientId, onClose, onDone }: { patientId: string; onClose: () => void; onDone: () => void }) {
  const { t } = useI18n();
  return (
    <ContactNoteDialog
      title={t.videoDocumentTitle}
      confirm={t.videoDocument}
      initialDraft={{ contactType: 'video', text: '' }}
      context={<p class="hint">{t.videoNoteHint}</p>}
      send={(note) => call('POST /api/patients/:id/notes', { params: { id: patientId }, body: note })}
      onClose={onClose}
      onDone={onDone}
    />
  );
}
