import type { PersonRecord, Repositories } from '../../ports/repositories/index.js';
import { hasRole, type Actor } from '../roles.js';

/**
 * The inquiry channel every notice gives (個人資料保護法第12條, 施行細則第22條; 臺北市政府政風處個人資料保護管理要點第44點:
 * 提供查詢及協助管道): the school's telephone and e-mail as the roster file records them, and the contact window's
 * office and name. They are filled in from the school record, never from typed text, and they are the school's own
 * published numbers, so masking (which protects the people affected) leaves them as they are.
 */
export interface SchoolContact {
  phone: string | null;
  email: string | null;
  unit: string | null;
  name: string | null;
}

/**
 * The contact window who answers: the drafter when they are one, else the first active one of the school; and the
 * school's name, read with its numbers.
 */
export async function schoolContact(
  repos: Pick<Repositories, 'schools' | 'people'>,
  schoolId: string,
  drafter?: Actor,
): Promise<SchoolContact & { schoolName: string }> {
  const school = await repos.schools.find(schoolId);
  if (!school) throw new Error(`School ${schoolId} is not on record`);
  const window: PersonRecord | null =
    drafter && hasRole(drafter, 'contactWindow')
      ? await repos.people.find(drafter.personId)
      : ((await repos.people.activeWithRole(schoolId, 'contactWindow'))[0] ?? null);
  return {
    schoolName: school.name,
    phone: school.contactPhone,
    // A shared office mailbox is preferred; the contact window's own work address when the school gave none.
    email: school.contactEmail ?? window?.email ?? null,
    unit: window?.unit ?? null,
    name: window?.displayName ?? null,
  };
}

/** Blanks left where the roster lacks a value: submission stops on them (templates.ts BLANK_MARKER). */
export const MISSING_PHONE = '【請填寫：學校聯絡電話（請系統管理者在學校名冊 school.contactPhone 填入後重新匯入）】';
export const MISSING_EMAIL = '【請填寫：學校電子郵件（請系統管理者在學校名冊 school.contactEmail 填入後重新匯入）】';

const SEPARATORS = '[\\s()（）\\-－.]*';

/** The number part of an office telephone (before 分機/轉/ext/#), matched with any separators people type. */
function phonePattern(phone: string): RegExp | null {
  const main = phone.normalize('NFKC').split(/分機|轉|ext\.?|#/i)[0] ?? '';
  const digits = main.replace(/\D/g, '');
  if (digits.length < 6) return null;
  return new RegExp(`(?<!\\d)\\(?${[...digits].join(SEPARATORS)}(?!\\d)`, 'g');
}

/** The school's contact values a notice must show and does not (empty when it shows all it has). */
export function missingContact(text: string, contact: SchoolContact): string[] {
  const out: string[] = [];
  const flat = text.normalize('NFKC');
  if (contact.phone) {
    const flexible = phonePattern(contact.phone);
    if (!flat.includes(contact.phone.normalize('NFKC')) && !flexible?.test(flat)) out.push(`聯絡電話 ${contact.phone}`);
  }
  if (contact.email && !flat.toLowerCase().includes(contact.email.toLowerCase())) out.push(`電子郵件 ${contact.email}`);
  return out;
}
