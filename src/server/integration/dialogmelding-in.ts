import { DOMParser, type Element, onErrorStopParsing } from '@xmldom/xmldom';

/*
 * The GP's answer to an escalation, coming back as a dialogmelding: MsgHead 1.2 with a
 * Dialogmelding 1.1 Notat (helsefaglig dialog), the same schemas the outgoing message is built
 * from (test/national/dialogmelding). There is no XSD validator at run time (xmllint is a test
 * tool), so this checks what the schemas require of the parts Varde reads, by namespace and
 * name (not the element order); the tests hold it to xmllint's verdict on the published and Varde's
 * fixture messages. Pure.
 */

const NS_MSGHEAD = 'http://www.kith.no/xmlstds/msghead/2006-05-24';
const NS_DIALOG = 'http://www.kith.no/xmlstds/dialog/2013-01-23';
const NS_FK1 = 'http://www.kith.no/xmlstds/felleskomponent1';
/** Message types a GP system sends an answer in the helsefaglig dialog as. */
const ANSWER_TYPES = ['DIALOG_HELSEFAGLIG', 'DIALOG_SVAR'] as const;
const HPR_TYPE = 'HPR';

export interface GpAnswer {
  msgId: string;
  genDate: Date;
  type: string;
  /** MsgId of the message answered (Varde's escalation id) and of the conversation's first message. */
  refToParent: string | null;
  refToConversation: string | null;
  senderOrganisation: string;
  patientIdentifier: string | null;
  from: { name: string; hpr: string | null };
  subject: string | null;
  text: string;
}

/** Why a message was refused: a sentence per problem, with the element it is about. */
export class DialogmeldingError extends Error {
  constructor(readonly problems: Record<string, string>) {
    super(`The dialogmelding is not valid: ${Object.entries(problems).map(([k, v]) => `${k}: ${v}`).join('; ')}`);
  }
}

const children = (e: Element, ns: string, name: string): Element[] => {
  const out: Element[] = [];
  for (let n = e.firstChild; n; n = n.nextSibling) if (n.nodeType === 1 && (n as Element).namespaceURI === ns && (n as Element).localName === name) out.push(n as Element);
  return out;
};
const child = (e: Element | undefined, ns: string, name: string): Element | undefined => (e ? children(e, ns, name)[0] : undefined);
const text = (e: Element | undefined): string | null => {
  const t = e?.textContent?.trim();
  return t ? t : null;
};

/**
 * Parses and checks an incoming dialogmelding answer. Throws DialogmeldingError (with one entry per
 * problem) when the XML is not well-formed or lacks what MsgHead 1.2 / Dialogmelding 1.1 require.
 */
export function parseGpAnswer(xml: string): GpAnswer {
  const problems: Record<string, string> = {};
  // No DTDs: an answer has no use for them and they are how entity tricks get in.
  if (/<!DOCTYPE/i.test(xml)) throw new DialogmeldingError({ xml: 'A DOCTYPE is not allowed' });
  let doc;
  try {
    doc = new DOMParser({ onError: onErrorStopParsing }).parseFromString(xml, 'text/xml');
  } catch (err) {
    throw new DialogmeldingError({ xml: `Not well-formed XML (${(err as Error).message.split('\n')[0]})` });
  }
  const root = doc.documentElement;
  if (!root || root.namespaceURI !== NS_MSGHEAD || root.localName !== 'MsgHead') throw new DialogmeldingError({ MsgHead: `The root element must be MsgHead in ${NS_MSGHEAD}` });
  const info = child(root, NS_MSGHEAD, 'MsgInfo');
  if (!info) throw new DialogmeldingError({ MsgInfo: 'Required' });

  const type = child(info, NS_MSGHEAD, 'Type')?.getAttribute('V') ?? '';
  if (!(ANSWER_TYPES as readonly string[]).includes(type)) problems['MsgInfo/Type'] = `Must be one of ${ANSWER_TYPES.join(', ')} (was "${type}")`;
  if (text(child(info, NS_MSGHEAD, 'MIGversion')) !== 'v1.2 2006-05-24') problems['MsgInfo/MIGversion'] = 'Must be "v1.2 2006-05-24"';
  const genDateText = text(child(info, NS_MSGHEAD, 'GenDate'));
  const genDate = genDateText && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/.test(genDateText) ? new Date(genDateText) : null;
  if (!genDate || Number.isNaN(genDate.getTime())) problems['MsgInfo/GenDate'] = 'Required, an xs:dateTime';
  const msgId = text(child(info, NS_MSGHEAD, 'MsgId'));
  if (!msgId) problems['MsgInfo/MsgId'] = 'Required';
  else if (msgId.length > 200) problems['MsgInfo/MsgId'] = 'At most 200 characters';
  const conv = child(info, NS_MSGHEAD, 'ConversationRef');
  const refToParent = text(child(conv, NS_MSGHEAD, 'RefToParent'));
  const refToConversation = text(child(conv, NS_MSGHEAD, 'RefToConversation'));
  if (conv && (!refToParent || !refToConversation)) problems['MsgInfo/ConversationRef'] = 'RefToParent and RefToConversation are both required';
  const senderOrg = child(child(info, NS_MSGHEAD, 'Sender'), NS_MSGHEAD, 'Organisation');
  const senderName = text(child(senderOrg, NS_MSGHEAD, 'OrganisationName'));
  if (!senderName) problems['MsgInfo/Sender'] = 'Sender/Organisation/OrganisationName is required';
  if (!child(child(info, NS_MSGHEAD, 'Receiver'), NS_MSGHEAD, 'Organisation')) problems['MsgInfo/Receiver'] = 'Receiver/Organisation is required';
  const patient = child(info, NS_MSGHEAD, 'Patient');
  const patientIdentifier = text(child(child(patient, NS_MSGHEAD, 'Ident'), NS_MSGHEAD, 'Id'));

  const dialogs = children(root, NS_MSGHEAD, 'Document')
    .map((d) => child(child(child(d, NS_MSGHEAD, 'RefDoc'), NS_MSGHEAD, 'Content'), NS_DIALOG, 'Dialogmelding'))
    .filter((d): d is Element => !!d);
  if (dialogs.length !== 1) problems['Document'] = 'Exactly one Document must hold a Dialogmelding 1.1 (RefDoc/Content/Dialogmelding)';
  const notat = child(dialogs[0], NS_DIALOG, 'Notat');
  if (dialogs.length === 1 && !notat) problems['Dialogmelding/Notat'] = 'The answer goes in a Notat';
  const tema = child(notat, NS_DIALOG, 'TemaKodet');
  if (notat && (!tema || !tema.getAttribute('V'))) problems['Notat/TemaKodet'] = 'Required, with a V attribute';
  const body = text(child(notat, NS_DIALOG, 'TekstNotatInnhold'));
  if (notat && !body) problems['Notat/TekstNotatInnhold'] = 'The answer text is required';
  const hp = child(child(notat, NS_DIALOG, 'RollerRelatertNotat'), NS_DIALOG, 'HealthcareProfessional');
  const name = [text(child(hp, NS_DIALOG, 'GivenName')), text(child(hp, NS_DIALOG, 'MiddleName')), text(child(hp, NS_DIALOG, 'FamilyName'))].filter(Boolean).join(' ');
  const hpr = hp
    ? children(hp, NS_DIALOG, 'Ident').map((i) => ({ id: text(child(i, NS_FK1, 'Id')), type: child(i, NS_FK1, 'TypeId')?.getAttribute('V') })).find((i) => i.type === HPR_TYPE)?.id ?? null
    : null;
  if (Object.keys(problems).length) throw new DialogmeldingError(problems);
  return {
    msgId: msgId!, genDate: genDate!, type, refToParent, refToConversation, senderOrganisation: senderName!, patientIdentifier,
    from: { name: name || senderName!, hpr }, subject: text(child(notat, NS_DIALOG, 'Tema')), text: body!,
  };
}
