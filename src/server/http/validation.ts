/*
 * The edge's date, instant and time-zone schemas live in the API contract (src/api/common.ts);
 * re-exported here for the routes and tests that import them from the server.
 */
export { ApiDate, ApiDateTime, ApiTimeZone, MAX_YEAR, MIN_YEAR, dateProblem, dateTimeProblem } from '../../api/common.js';
