import type { EvidenceOfferRecord, EvidenceOfferRepository, EvidenceRecord, EvidenceRepository } from '../../ports/repositories/index.js';
import type { Client } from './client.js';

export class PrismaEvidenceRepository implements EvidenceRepository {
  constructor(private readonly db: Client) {}

  async file(piece: Omit<EvidenceRecord, 'seq'>): Promise<EvidenceRecord> {
    // Numbered under the incident's row lock: inside a transaction (the locker files with the timeline entry), two
    // pieces filed at once get 1 and 2, not the same number.
    await this.db.$queryRaw`SELECT id FROM incident WHERE id = ${piece.incidentId} FOR UPDATE`;
    const last = await this.db.evidence.findFirst({
      where: { incidentId: piece.incidentId },
      orderBy: { seq: 'desc' },
      select: { seq: true },
    });
    return this.db.evidence.create({ data: { ...piece, seq: (last?.seq ?? 0) + 1 } });
  }

  find(id: string): Promise<EvidenceRecord | null> {
    return this.db.evidence.findUnique({ where: { id } });
  }

  ofIncident(incidentId: string): Promise<EvidenceRecord[]> {
    return this.db.evidence.findMany({ where: { incidentId }, orderBy: { seq: 'asc' } });
  }

  async countsByItem(incidentId: string): Promise<{ itemKey: string | null; count: number }[]> {
    const groups = await this.db.evidence.groupBy({ by: ['itemKey'], where: { incidentId }, _count: { _all: true } });
    return groups.map((g) => ({ itemKey: g.itemKey, count: g._count._all }));
  }
}

export class PrismaEvidenceOfferRepository implements EvidenceOfferRepository {
  constructor(private readonly db: Client) {}

  async offer(
    offer: Pick<EvidenceOfferRecord, 'id' | 'personId' | 'conversationId' | 'sourceEnc' | 'expiresAt'>,
    now: Date,
  ): Promise<void> {
    await this.db.evidenceOffer.deleteMany({ where: { expiresAt: { lt: now } } });
    await this.db.evidenceOffer.create({ data: offer });
  }

  find(id: string): Promise<EvidenceOfferRecord | null> {
    return this.db.evidenceOffer.findUnique({ where: { id } });
  }

  async drop(id: string): Promise<void> {
    await this.db.evidenceOffer.deleteMany({ where: { id } });
  }
}
