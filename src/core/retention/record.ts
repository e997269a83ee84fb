import type { DestructionRecordRow as DestructionRecord } from '../../ports/repositories/index.js';
import type { FieldCipher } from '../privacy/cipher.js';

/**
 * The destruction record replaces a destroyed incident's timeline and checkpoints: it keeps the sealed head of the
 * destroyed chain (so heads witnessed earlier still check out) and when, why and on whose authority the record was
 * destroyed, sealed like a checkpoint with a key the database does not hold.
 */
export const DESTRUCTION_PURPOSE = 'destruction-seal';

export type DestructionFields = Pick<
  DestructionRecord,
  | 'incidentId'
  | 'schoolId'
  | 'incidentRef'
  | 'occurredAt'
  | 'awareAt'
  | 'closedAt'
  | 'retainUntil'
  | 'destroyedAt'
  | 'authorisedBy'
  | 'basis'
  | 'entryCount'
  | 'headHash'
>;

export function destructionMessage(r: DestructionFields): string {
  return [
    'pdi-responder destruction v1',
    r.incidentId,
    r.schoolId,
    r.incidentRef,
    r.occurredAt.toISOString(),
    r.awareAt.toISOString(),
    r.closedAt?.toISOString() ?? '',
    r.retainUntil.toISOString(),
    r.destroyedAt.toISOString(),
    r.authorisedBy,
    r.basis,
    String(r.entryCount),
    r.headHash,
  ].join('\n');
}

export function sealDestruction(cipher: FieldCipher, r: DestructionFields): { keyId: string; seal: string } {
  const keyId = cipher.currentKeyId;
  return { keyId, seal: cipher.mac(DESTRUCTION_PURPOSE, destructionMessage(r), keyId) };
}

/** null when the record's seal holds; otherwise what is wrong (English). */
export function verifyDestructionRecord(cipher: FieldCipher, r: DestructionRecord): string | null {
  if (!cipher.keyIds.includes(r.keyId)) return `sealed with key "${r.keyId}", which is not in the key ring (forged, or the key is missing)`;
  if (!cipher.verifyMac(DESTRUCTION_PURPOSE, destructionMessage(r), r.seal, r.keyId)) return 'forged: its seal does not match';
  if (r.destroyedAt < r.retainUntil) return 'destroyed before its retention date';
  return null;
}
