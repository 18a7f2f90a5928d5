// Recording and listing readings: part of the API contract.
export { ListQuery, MeasurementInput, RecordBody } from '../../api/observations.js';
