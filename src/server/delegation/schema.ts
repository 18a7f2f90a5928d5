/* The delegation bodies live in the API contract (src/api/delegation.ts); re-exported for the server. */
export { GrantBody, OnBehalfBody, RevokeBody } from '../../api/delegation.js';
