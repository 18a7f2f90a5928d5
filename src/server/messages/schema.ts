/* The message bodies live in the API contract (src/api/messages.ts); re-exported for the server. */
export { HandleBody, MessageBody } from '../../api/messages.js';
