/* The pathway's request bodies live in the API contract (src/api/pathway.ts); re-exported for the server. */
export { Diagnoses, OnboardingBody, ReferralBody, TransitionBody } from '../../api/pathway.js';
