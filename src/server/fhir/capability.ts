import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import { IDEMPOTENCY_SYSTEM, VITALSIGNS_PROFILE } from './mappers.js';
import { SEARCH, type SearchType } from './search.js';

/*
 * What the FHIR face implements, declared once. routes.ts registers a route for every interaction
 * listed here (and only those), and GET /fhir/metadata renders the same table, so the
 * CapabilityStatement cannot promise something the server does not do.
 */

export type Interaction = 'read' | 'search-type' | 'create';

export interface ResourceCapability {
  type: SearchType;
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
    interactions: ['read', 'search-type', 'create'],
    supportedProfile: [VITALSIGNS_PROFILE],
    conditionalCreate: true,
    documentation:
      'Home measurements and questionnaire totals. Blood pressure is stored and returned as separate systolic (8480-6) and diastolic (8462-4) observations; ' +
      'a blood pressure panel (85354-9 with components) is accepted on create and split. Create runs the triage engine (zone, alerts) and is idempotent: ' +
      `an identifier with system ${IDEMPOTENCY_SYSTEM} (or If-None-Exist: identifier=${IDEMPOTENCY_SYSTEM}|[key]) names the sitting; without one the key is a hash ` +
      'of the measurement time and values. A repeated key returns the stored observation with 200. The zone is in the extension ' +
      'https://varde.no/fhir/StructureDefinition/zone and in interpretation (N/A/AA) and is judged by the patient\'s own plan.',
  },
  {
    type: 'QuestionnaireResponse',
    interactions: ['read', 'search-type'],
    documentation: 'Questionnaire answers (PHQ-9, GAD-7, CAT, symptom form). No create: answers are entered in the patient app.',
  },
  {
    type: 'CarePlan',
    interactions: ['read', 'search-type'],
    documentation:
      'Versions of the self-management plan (egenbehandlingsplan): active = approved by the GP, draft, revoked = superseded by a newer version, ' +
      'completed = the episode has ended. The full plan is in the extension https://varde.no/fhir/StructureDefinition/plan-definition.',
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
    interactions: ['read', 'search-type'],
    documentation:
      'Home-monitoring devices of the caller\'s organisation (personnel, or clients with scope device.read); patients see devices lent to them. ' +
      'Device.patient (the current loan) is shown to clients of the owning organisation and to callers with access to that patient.',
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
    const specs = SEARCH[c.type].specs as Record<string, { type: 'token' | 'reference' | 'date' | 'number' | 'string'; documentation: string; result?: boolean }>;
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
        documentation: 'Unknown search parameters are ignored (see the self link) unless Prefer: handling=strict. POST _search, history, update, delete and operations are not offered.',
        security: {
          cors: false,
          service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'OAuth', display: 'OAuth' }] }],
          description:
            'Personnel log in through HelseID and patients through ID-porten (session cookie); device gateways use OAuth 2.0 client credentials ' +
            `(${origin}/auth/token, scopes observation.write and device.read) and send Authorization: Bearer. Access to patient data needs a care relation and is audited.`,
          extension: [{ url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris', extension: [{ url: 'token', valueUri: `${origin}/auth/token` }] }],
        },
        resource,
        interaction: [
          { code: 'transaction', documentation: 'Observation creates only (device uploads); all or nothing, in one database transaction.' },
          { code: 'batch', documentation: 'Observation creates only; each entry (or group of entries sharing an idempotency identifier) succeeds or fails on its own.' },
        ],
      },
    ],
  };
}
