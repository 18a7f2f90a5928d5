// Device uploads are part of the API contract.
export { IngestBody, IngestReading, MAX_READINGS } from '../../api/ingest.js';
