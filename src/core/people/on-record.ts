import type { PrismaClient } from '../../generated/prisma/client.js';
import { schoolKeepList } from '../privacy/kept.js';

/**
 * What the school has on record that masking must keep (its contact telephone and e-mail): MaskOptions.keep for text written
 * in this school's conversations, notices and reports. Empty for an unknown school.
 */
export async function schoolOnRecord(prisma: Pick<PrismaClient, 'school'>, schoolId: string | null | undefined): Promise<string[]> {
  if (!schoolId) return [];
  return schoolKeepList(await prisma.school.findUnique({ where: { id: schoolId }, select: { contactPhone: true, contactEmail: true } }));
}
