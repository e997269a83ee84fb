// What the masker must NOT mask: values that look like personal data but are not.
// - The school's own contact numbers and addresses on record (a notice must still tell parents the switchboard):
//   passed in by the caller as `keep` (see schoolKeepList), compared by their digits, whatever the separators.
// - Ids the system made: UUIDs (pg-boss job ids, our row ids) and LINE user/group/room ids in free text; in
//   structured log fields also Slack, Discord and other platform ids (isSystemIdValue, used by src/app/logger.ts).
// - Official ticket numbers (「EDU-1151207-001」, a reporting platform's event number): letters, a dash, digits.
// Every regex here is linear: bounded repetitions, and a look-behind that pins where a match can begin.

/** A UUID of any version, e.g. a pg-boss job id: 8-4-4-4-12 hex digits. */
export const UUID_RE = /(?<![0-9A-Za-z-])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![0-9A-Za-z-])/g;

/** A LINE user (U), group (C) or room (R) id: the letter and 32 lowercase hex digits. */
export const LINE_ID_RE = /(?<![0-9A-Za-z])[UCR][0-9a-f]{32}(?![0-9A-Za-z])/g;

/**
 * An official ticket or reference number: 2–10 letters (the issuer), then dash-joined groups that start with a
 * digit run, e.g. EDU-1151207-001, ISAC-202611-0001, TACERT-115-00012. A single letter is not enough: 「A-123-456-789」
 * is a national ID written with dashes (the ID rule runs first and takes it anyway).
 */
export const TICKET_RE =
  /(?<![0-9A-Za-z_-])[A-Za-z]{2,10}(?:-[A-Za-z]{1,10}){0,2}-\d{3,12}(?:-[0-9A-Za-z]{1,12}){0,4}(?![0-9A-Za-z_]|-[0-9A-Za-z])/g;

// ---------------------------------------------------------------------------------------------------------------
// Values on record (allow-list)

/** The caller's allow-list, prepared once per call: phone numbers by their national digits, e-mails in lower case. */
export interface KeepList {
  phones: Set<string>;
  /** National digits of kept numbers without their trunk 0 (a local number typed without its area code is a suffix). */
  phoneTails: string[];
  emails: Set<string>;
}

const EXTENSION_RE = /(?:分機|轉|ext\.?|x|#).*$/i;

/**
 * A phone number reduced to its national digits: 「(02)2345-6789」, 「+886 2 2345 6789」 and 「02.2345.6789」 all give
 * 0223456789. An extension is dropped (the switchboard's number with any extension is still the switchboard).
 * Expects NFKC text (full-width digits already ASCII).
 */
export function phoneDigits(text: string): string {
  let digits = text.replace(EXTENSION_RE, '').replace(/\D/g, '');
  let international = false;
  if (digits.startsWith('00886')) {
    digits = digits.slice(5);
    international = true;
  } else if (digits.startsWith('886') && digits.length >= 11) {
    digits = digits.slice(3);
    international = true;
  }
  // +886 (0)2 …: the trunk 0 may be written or not.
  return international && !digits.startsWith('0') ? `0${digits}` : digits;
}

export function keepList(values: readonly string[] | undefined): KeepList | null {
  if (!values || values.length === 0) return null;
  const list: KeepList = { phones: new Set(), phoneTails: [], emails: new Set() };
  for (const raw of values) {
    const v = raw.normalize('NFKC').trim();
    if (!v) continue;
    if (v.includes('@')) {
      list.emails.add(v.toLowerCase());
      continue;
    }
    const digits = phoneDigits(v);
    // Fewer than 7 digits is no telephone number: keeping it would let through any short number.
    if (digits.length < 7) continue;
    list.phones.add(digits);
    list.phoneTails.push(digits.replace(/^0/, ''));
  }
  return list.phones.size + list.emails.size > 0 ? list : null;
}

/** Whether a phone number found in the text is one of the kept numbers (a local number may omit the area code). */
export function isKeptPhone(list: KeepList | null, text: string): boolean {
  if (!list) return false;
  const digits = phoneDigits(text);
  if (digits.length < 7) return false;
  if (list.phones.has(digits)) return true;
  // 「2345-6789」 typed without the area code: the same subscriber number as a kept (02)2345-6789.
  return (
    !digits.startsWith('0') && list.phoneTails.some((t) => t.length > digits.length && t.endsWith(digits) && t.length - digits.length <= 3)
  );
}

export function isKeptEmail(list: KeepList | null, text: string): boolean {
  return list?.emails.has(text.toLowerCase()) ?? false;
}

/**
 * The values a school has on record that are not personal data and must survive masking in its conversations and
 * notices: today school.contact_phone (the contact window's office line, the switchboard). Callers pass the result
 * as MaskOptions.keep; a new contact field on the school belongs here, in one place.
 */
export function schoolKeepList(school: { contactPhone?: string | null; contactEmail?: string | null } | null | undefined): string[] {
  if (!school) return [];
  return [school.contactPhone, school.contactEmail].filter((v): v is string => typeof v === 'string' && v.trim() !== '');
}

// ---------------------------------------------------------------------------------------------------------------
// System ids in structured log fields

/** Field names that carry ids the system or a platform made (jobId, incidentId, eventId, user_id, channel, ts…). */
const SYSTEM_ID_KEY_RE =
  /^(?:id|ids|key|ref|ts|thread_ts|channel|guild|thread|team|user|room|group|queue|slot|clock|platform|kind|type|status)$|(?:Id|_id|Ids|_ids|ID|Key|_key|Ref|Ts)$/;

/** Person-data fields that end like an id field but are not one (a student's number is personal data). */
const PERSONAL_KEY_RE = /(?:national|resident|student|citizen|passport|card|account|person(?:al)?Number|tax|identity)(?:Id|_id|ID)$/i;

/** One token of a system id: a UUID, a LINE id, hex, a ULID, a snowflake, a Slack id, our 16-character ids, words. */
const SYSTEM_TOKEN_RE =
  /^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[UCR][0-9a-f]{32}|[0-9a-f]{16,128}|[0-9A-HJKMNP-TV-Z]{26}|\d{15,20}|[A-Z][A-Z0-9]{7,12}|[A-Za-z0-9_-]{16,64}|\d{1,4}(?:\.\d{1,6})?|\d{9,11}\.\d{3,6}|[a-z][a-z-]{0,30}|\d{3}-\d{3,4})$/;

/** Whether a log field named `key` holds a system-made id, to be logged as it is (never free text). */
export function isSystemIdKey(key: string): boolean {
  return SYSTEM_ID_KEY_RE.test(key) && !PERSONAL_KEY_RE.test(key);
}

/**
 * Whether a value has the shape of system-made ids only (parts joined by ':', '/', '.' or '|', e.g. 「act:1234…」,
 * a Slack ts 「1732170000.123456」). The caller still rejects values in which the masker finds strong personal data.
 */
export function isSystemIdValue(value: string): boolean {
  if (value.length === 0 || value.length > 300) return false;
  return value.split(/[:/|]/).every((part) => part === '' || SYSTEM_TOKEN_RE.test(part));
}
