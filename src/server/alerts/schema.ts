// Alert actions and contact notes are part of the API contract.
export { AlertActionBody, AlertListQuery } from '../../api/alerts.js';
export { CONTACT_TYPES, NoteInput } from '../../api/notes.js';
