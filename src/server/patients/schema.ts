/* Enrolment and episode bodies live in the API contract (src/api/patients.ts, me.ts); re-exported for the server. */
export { EndEpisodeBody, EnrolBody, NorwegianId } from '../../api/patients.js';
export { LanguageBody } from '../../api/me.js';
