/**
 * Varde's pure clinical engine: catalogue, plans, triage, questionnaires, NEWS2,
 * opening hours, plan templates and Norwegian identifiers. No I/O, no clock:
 * time is always passed in.
 */
export * from './result.js';
export * from './text.js';
export * from './time.js';
export * from './catalogue.js';
export * from './plan.js';
export * from './news2.js';
export * from './questionnaires.js';
export * from './triage.js';
export * from './opening-hours.js';
export * from './templates.js';
export * from './identifiers.js';
