// The opening-hours editor's shapes are part of the API contract.
export { ClosedDay, OpeningHoursBody } from '../../api/opening-hours.js';
