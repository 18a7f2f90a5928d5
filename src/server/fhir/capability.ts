import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import { IDEMPOTENCY_SYSTEM, TRIAGE_EXT, VITALSIGNS_PROFILE } from './mappers.js';
import { SEARCH, type SearchType } from './search.js';

/*
 * What the FHIR face implements, declared once. routes.ts registers a route for every interaction
 * listed here (and only those), and GET /fhir/metadata renders the same table, so the
 * CapabilityStatement cannot promise something the server does not do.
 */

export type Interaction = 'read' | 'search-type' | 'create' | 'update';

export interface ResourceCapability {
  type: SearchType | 'DeviceMetric';
  interactions: Interaction[];
  documentation: string;
  supportedProfile?: string[];
  conditionalCreate?: boolean;
}

export const CAPABILITIES: readonly ResourceCapability[] = [
  {
    type: 'Patient',
    interactions: ['read', 'search-type'],
    documentation:
      'Patients the caller has a care relation to (personnel), or the logged-in patient. No create: enrolment in home follow-up is done by the GP in the Varde app.',
  },
  {
    type: 'Observation',
    interactions: ['read', 'search-type', 'create', 'update'],
    supportedProfile: [
      VITALSIGNS_PROFILE,
      'http://hl7.no/fhir/vkpobservation/StructureDefinition/vkp-Observation',
      'http://hl7.org/fhir/uv/phd/StructureDefinition/PhdNumericObservation',
      'http://hl7.org/fhir/uv/phd/StructureDefinition/PhdCompoundNumericObservation',
    ],
    conditionalCreate: true,
    documentation:
      'Home measurements as real devices, gateways and EHRs send them. A posted Observation is stored exactly as sent (decimals with their precision, ' +
      'time-zone offset, every coding, identifier, component and extension) and read back unchanged, with Varde\'s extensions added ' +
      `(${TRIAGE_EXT}, zone, plan-version, effective-precision). Codings that name a catalogue measure (LOINC, IEEE 11073 MDC) are triaged under the ` +
      'patient\'s plan; other codes, other value types and dataAbsentReason are stored and readable but not triaged (Prefer: handling=strict refuses unknown codes). ' +
      'Readings measured before the episode started or older than the live window (72 h by default) are stored as history without a live alert. ' +
      'status amended/corrected with the same business identifier replaces the earlier version and is triaged again; entered-in-error retracts it and its alert findings; ' +
      'registered/preliminary/cancelled are stored, not triaged. A business identifier (or ' + IDEMPOTENCY_SYSTEM + ' key) sent again with the same content returns the ' +
      'stored resource (200); with different content it is a 409. Conditional create: If-None-Exist: identifier=system|value. Date-only and zone-less times are read ' +
      'in the patient\'s time zone and flagged. Blood pressure panels (85354-9, MDC 150020) are kept as panels, with MAP and other components. ' +
      'Update (PUT Observation/[id], id in the body) replaces a posted Observation like amended/corrected (or retracts it as entered-in-error); no update-as-create.',
  },
  {
    type: 'QuestionnaireResponse',
    interactions: ['read', 'search-type', 'create'],
    documentation:
      'Questionnaire answers (PHQ-9, GAD-7, CAT, symptom form). Create (status completed) for the questionnaires at https://varde.no/fhir/Questionnaire/[code]: ' +
      'answers by linkId (valueInteger, valueDecimal or numeric valueCoding.code) are scored and triaged exactly like answers in the patient app; ' +
      'the identifier (or, without one, the content) makes a re-send return the stored response (200).',
  },
  {
    type: 'CarePlan',
    interactions: ['read', 'search-type'],
    documentation:
      'Versions of the self-management plan (egenbehandlingsplan): active = approved by the GP, draft, revoked = superseded by a newer version, ' +
      'completed = the episode has ended. The full plan is in the extension https://varde.no/fhir/StructureDefinition/plan-definition. ' +
      'DBEP (national plan-sharing shape, HL7 Norway planer v2): GET CarePlan/$dbep?patient=[id] (the plan in force), GET CarePlan/[id]/$dbep, ' +
      'and POST CarePlan/$dbep to import a plan in that shape as a draft for the GP (never in force before the GP approves it).',
  },
  {
    type: 'Flag',
    interactions: ['read', 'search-type'],
    documentation: 'Alerts from triage: active = open or acknowledged, inactive = resolved; the workflow state is in the extension alert-status.',
  },
  {
    type: 'Communication',
    interactions: ['read', 'search-type'],
    documentation: 'Messages between the patient and the follow-up service. Read-only here: reading via FHIR does not mark messages as read.',
  },
  {
    type: 'Device',
    interactions: ['read', 'search-type', 'create'],
    conditionalCreate: true,
    documentation:
      'Home-monitoring devices of the caller\'s organisation (personnel, or clients with scope device.read or observation.write); patients see devices lent to them. ' +
      'Create (gateways, PHD): matched by any identifier (serial, IEEE 11073 system id, MAC) or serialNumber within the organisation, else registered; ' +
      'the posted Device is returned as sent. Device.patient (the current loan) is shown to clients of the owning organisation and to callers with access to that patient.',
  },
  {
    type: 'DeviceMetric',
    interactions: ['read'],
    documentation: 'Device metrics posted by gateways in a Bundle (PHD), kept as sent for the organisation. Read only by id.',
  },
  {
    type: 'AuditEvent',
    interactions: ['search-type'],
    documentation: 'Who read or changed a patient\'s data. For the patient themself and for personnel with a care relation. Search only.',
  },
];

/**
 * The server's CapabilityStatement (kind instance).
 * @param base absolute URL of the FHIR base, e.g. https://varde.example/fhir
 * @param origin absolute origin, for the OAuth token endpoint
 * @param date when this server started (the statement is generated, not edited by hand)
 */
export function capabilityStatement(base: string, origin: string, date: string): CapabilityStatement {
  const resource: CapabilityStatementRestResource[] = CAPABILITIES.map((c) => {
    const specs = (c.type in SEARCH ? SEARCH[c.type as SearchType].specs : {}) as Record<string, { type: 'token' | 'reference' | 'date' | 'number' | 'string' | 'quantity'; documentation: string; result?: boolean }>;
    const results = Object.values(specs).filter((s) => s.result).map((s) => s.documentation);
    return {
      type: c.type,
      ...(c.supportedProfile ? { supportedProfile: c.supportedProfile } : {}),
      documentation: [c.documentation, ...results].join(' '),
      interaction: c.interactions.map((code) => ({ code })),
      versioning: 'no-version',
      readHistory: false,
      updateCreate: false,
      conditionalCreate: c.conditionalCreate ?? false,
      conditionalRead: 'not-supported',
      conditionalUpdate: false,
      conditionalDelete: 'not-supported',
      searchParam: c.interactions.includes('search-type')
        ? Object.entries(specs).filter(([, s]) => !s.result).map(([name, s]) => ({ name, type: s.type, documentation: s.documentation }))
        : undefined,
    };
  });
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date,
    publisher: 'Varde',
    name: 'VardeFhirServer',
    title: 'Varde FHIR R4 API',
    description: 'FHIR face of Varde, digital home follow-up of chronically ill patients. JSON only; errors are OperationOutcome.',
    kind: 'instance',
    software: { name: 'Varde' },
    implementation: { description: 'Varde FHIR R4 API', url: base },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        documentation:
          'Unknown or unsupported search parameters are refused with 400 unless Prefer: handling=lenient (then ignored, left out of the self link and named in an ' +
          'OperationOutcome entry). Searches return Bundle.total and page with _count/_offset (next/previous links) in a stable order. ' +
          'POST _search, history, update and delete are not offered; the one operation is CarePlan $dbep (see CarePlan).',
        security: {
          cors: false,
          service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'OAuth', display: 'OAuth' }] }],
          description:
            'Personnel log in through HelseID and patients through ID-porten (session cookie); device gateways use OAuth 2.0 client credentials ' +
            `(${origin}/auth/token, scopes observation.write and device.read) and send Authorization: Bearer. Access to patient data needs a care relation and is audited. ` +
            `SMART on FHIR EHR launch: ${origin}/launch?launch=…&iss=${base}, launch contexts registered at ${origin}/smart/launch; see ${base}/.well-known/smart-configuration.`,
          extension: [{ url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris', extension: [{ url: 'token', valueUri: `${origin}/auth/token` }] }],
        },
        resource,
        interaction: [
          { code: 'transaction', documentation: 'POST entries: Observation, Device and DeviceMetric creates and Patient conditional creates (matched by fødselsnummer, never created), with urn:uuid references; all or nothing, in one database transaction.' },
          { code: 'batch', documentation: 'Same entries; each succeeds or fails on its own with its own status and OperationOutcome. A collection Bundle (VKP examples) is processed as a batch.' },
        ],
      },
    ],
  };
}
