/*
 * Dialogmelding 1.1 (helsefaglig dialog) in MsgHead 1.2: an escalation from the follow-up
 * service to the patient's GP office as the XML message GP systems read from Norsk helsenett's
 * message exchange. Built from the published XSDs (vendored in test/national/dialogmelding from
 * ks-no/fiks-nhn-client, MIT) and validated against them with xmllint in the tests. Code values
 * are from Helsedirektoratet's volven code systems as that client names them: 8279 (message
 * function; MsgHead's CS type carries no system), 9051 / 8116 (identifier types), 7322 (dialog
 * theme), 9034 (roles), 3101 (sex). Pure.
 */

const NS_MSGHEAD = 'http://www.kith.no/xmlstds/msghead/2006-05-24';
const NS_DIALOG = 'http://www.kith.no/xmlstds/dialog/2013-01-23';
const NS_FK1 = 'http://www.kith.no/xmlstds/felleskomponent1';
const OID = '2.16.578.1.12.4.1.1';

export interface DialogmeldingInput {
  /** Unique per message (a UUID); the same escalation sent again keeps it. */
  msgId: string;
  genDate: Date;
  sender: { organisationName: string; orgNumber: string; herId?: string | null };
  receiver: { organisationName: string; orgNumber: string; herId?: string | null };
  patient: { name: string; identifier: string; identifierSystem: 'fnr' | 'dnr'; birthDate: string; sex: 'male' | 'female' };
  nurse: { name: string; hpr: string; phone?: string | null };
  /** The alert in words (rule, values, plan version), as the GP is asked to look at it. */
  subject: string;
  /** The nurse's escalation note. */
  text: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** xs:dateTime without fractions, in UTC. */
const dateTime = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

function splitName(name: string): { given: string; family: string } {
  const parts = name.trim().split(/\s+/);
  return parts.length > 1 ? { given: parts.slice(0, -1).join(' '), family: parts[parts.length - 1]! } : { given: '', family: parts[0] ?? '' };
}

function organisation(o: DialogmeldingInput['sender']): string {
  const ids = [
    ...(o.herId ? [`<Ident><Id>${esc(o.herId)}</Id><TypeId V="HER" DN="HER-id" S="${OID}.9051"/></Ident>`] : []),
    `<Ident><Id>${esc(o.orgNumber)}</Id><TypeId V="ENH" DN="Organisasjonsnummeret i Enhetsregisteret" S="${OID}.9051"/></Ident>`,
  ];
  return `<Organisation><OrganisationName>${esc(o.organisationName)}</OrganisationName>${ids.join('')}</Organisation>`;
}

/** Builds the MsgHead + Dialogmelding XML (UTF-8) for one escalation. */
export function buildDialogmelding(i: DialogmeldingInput): string {
  const p = splitName(i.patient.name);
  const n = splitName(i.nurse.name);
  const idType = i.patient.identifierSystem === 'dnr' ? 'V="DNR" DN="D-nummer"' : 'V="FNR" DN="Fødselsnummer"';
  const sex = i.patient.sex === 'female' ? 'V="2" DN="Kvinne"' : 'V="1" DN="Mann"';
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<MsgHead xmlns="${NS_MSGHEAD}" xmlns:fk1="${NS_FK1}">`,
    '<MsgInfo>',
    `<Type V="DIALOG_HELSEFAGLIG" DN="Helsefaglig dialog"/>`,
    '<MIGversion>v1.2 2006-05-24</MIGversion>',
    `<GenDate>${dateTime(i.genDate)}</GenDate>`,
    `<MsgId>${esc(i.msgId)}</MsgId>`,
    `<Sender>${organisation(i.sender)}</Sender>`,
    `<Receiver>${organisation(i.receiver)}</Receiver>`,
    '<Patient>',
    `<FamilyName>${esc(p.family)}</FamilyName>`,
    p.given ? `<GivenName>${esc(p.given)}</GivenName>` : '',
    `<DateOfBirth>${esc(i.patient.birthDate)}</DateOfBirth>`,
    `<Sex ${sex}/>`,
    `<Ident><Id>${esc(i.patient.identifier)}</Id><TypeId ${idType} S="${OID}.8116"/></Ident>`,
    '</Patient>',
    '</MsgInfo>',
    '<Document><RefDoc>',
    `<IssueDate V="${dateTime(i.genDate)}"/>`,
    '<MsgType V="XML" DN="XML-instans"/>',
    '<Content>',
    `<Dialogmelding xmlns="${NS_DIALOG}">`,
    '<Notat>',
    `<TemaKodet V="6" DN="Henvendelse om pasient" S="${OID}.7322"/>`,
    `<Tema>${esc(i.subject.slice(0, 250))}</Tema>`,
    `<TekstNotatInnhold>${esc(i.text)}</TekstNotatInnhold>`,
    '<RollerRelatertNotat>',
    `<RoleToPatient V="9" DN="Primærkontakt" S="${OID}.9034"/>`,
    '<HealthcareProfessional>',
    `<FamilyName>${esc(n.family)}</FamilyName>`,
    n.given ? `<GivenName>${esc(n.given)}</GivenName>` : '',
    `<Ident><fk1:Id>${esc(i.nurse.hpr)}</fk1:Id><fk1:TypeId V="HPR" DN="HPR-nummer" S="${OID}.8116"/></Ident>`,
    i.nurse.phone ? `<TeleCom><fk1:TeleAddress V="tel:${esc(i.nurse.phone)}"/></TeleCom>` : '',
    '</HealthcareProfessional>',
    '</RollerRelatertNotat>',
    '</Notat>',
    '</Dialogmelding>',
    '</Content>',
    '</RefDoc></Document>',
    '</MsgHead>',
  ].join('\n').replace(/\n\n+/g, '\n');
}
