/**
 * Evidence (src/core/evidence, docs/evidence.md): the pieces filed against an incident (table evidence; the file
 * itself is in a blob store) and the files offered in a chat before they are filed (table evidence_offer). Encrypted
 * fields stay ciphertext in the records; the locker decrypts them.
 */
export interface EvidenceRecord {
  id: string;
  incidentId: string;
  /** 證據 1, 2, … per incident. */
  seq: number;
  /** The checklist item it supports (playbook item key), if any. */
  itemKey: string | null;
  descriptionEnc: string;
  fileNameEnc: string;
  mediaType: string;
  size: number;
  sha256: string;
  filedById: string;
  filedByLabel: string;
  filedAt: Date;
  sourcePlatform: string;
  sourceMessage: string;
  /** directory | database */
  store: string;
  dataKeyEnc: string;
  nonce: string;
  chunkSize: number;
}

export interface EvidenceRepository {
  /** Files a piece under the incident's next number (the incident is locked while it is numbered); the record filed. */
  file(piece: Omit<EvidenceRecord, 'seq'>): Promise<EvidenceRecord>;
  find(id: string): Promise<EvidenceRecord | null>;
  /** An incident's pieces in filing order. */
  ofIncident(incidentId: string): Promise<EvidenceRecord[]>;
  /** How many pieces support each checklist item of an incident (null: pieces for no item). */
  countsByItem(incidentId: string): Promise<{ itemKey: string | null; count: number }[]>;
}

/** A file a person sent in a chat, offered to be filed (its source — platform, file reference — encrypted). */
export interface EvidenceOfferRecord {
  id: string;
  personId: string;
  conversationId: string;
  sourceEnc: string;
  expiresAt: Date;
  createdAt: Date;
}

export interface EvidenceOfferRepository {
  /** Forgets the offers expired at `now` and records this one. */
  offer(offer: Pick<EvidenceOfferRecord, 'id' | 'personId' | 'conversationId' | 'sourceEnc' | 'expiresAt'>, now: Date): Promise<void>;
  find(id: string): Promise<EvidenceOfferRecord | null>;
  /** The offer was used or dropped (nothing when it is gone already). */
  drop(id: string): Promise<void>;
}
