import type { Repositories } from '../../ports/repositories/index.js';
import { schoolKeepList } from '../privacy/kept.js';

/**
 * What the school has on record that masking must keep (its contact telephone and e-mail): MaskOptions.keep for text written
 * in this school's conversations, notices and reports. Empty for an unknown school.
 */
export async function schoolOnRecord(repos: Pick<Repositories, 'schools'>, schoolId: string | null | undefined): Promise<string[]> {
  if (!schoolId) return [];
  return schoolKeepList(await repos.schools.find(schoolId));
}
