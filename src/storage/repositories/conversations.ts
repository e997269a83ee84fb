import type {
  AccountOwner,
  ConversationRecord,
  ConversationRepository,
  IdentityRecord,
  IdentityRepository,
  NewConversation,
  OneShotChoiceRecord,
  OneShotChoiceRepository,
  PostedCardIn,
  PostedCardRecord,
  PostedCardRepository,
  PromptRecord,
  PromptRepository,
  NewPrompt,
} from '../../ports/repositories/index.js';
import type { Client } from './client.js';

const OLDEST_FIRST = { createdAt: 'asc' } as const;

export class PrismaConversationRepository implements ConversationRepository {
  constructor(private readonly db: Client) {}

  find(id: string): Promise<ConversationRecord | null> {
    return this.db.conversation.findUnique({ where: { id } });
  }

  async ensure(conv: NewConversation): Promise<ConversationRecord> {
    // The read alone is one statement (Prisma's upsert with nothing to update runs a transaction of three reads, and
    // two of them at once on PostgreSQL fail with P2002); a new one is inserted with ON CONFLICT DO NOTHING and read.
    const where = { platform_externalId: { platform: conv.platform, externalId: conv.externalId } };
    const known = await this.db.conversation.findUnique({ where });
    if (known) return known;
    await this.db.conversation.createMany({ data: [conv], skipDuplicates: true });
    return this.db.conversation.findUniqueOrThrow({ where });
  }

  responseGroups(where: { schoolId?: string; platform?: string }): Promise<ConversationRecord[]> {
    return this.db.conversation.findMany({
      where: { purpose: 'response', schoolId: where.schoolId ?? { not: null }, ...(where.platform ? { platform: where.platform } : {}) },
      orderBy: OLDEST_FIRST,
    });
  }

  teamOf(incident: { id: string; schoolId: string }): Promise<ConversationRecord[]> {
    return this.db.conversation.findMany({
      where: { schoolId: incident.schoolId, OR: [{ purpose: 'response' }, { purpose: 'incident', incidentId: incident.id }] },
      orderBy: OLDEST_FIRST,
    });
  }

  roomsOf(incidentId: string): Promise<ConversationRecord[]> {
    return this.db.conversation.findMany({ where: { incidentId, purpose: 'incident' }, orderBy: OLDEST_FIRST });
  }

  recordRoom(room: NewConversation & { incidentId: string; schoolId: string }, titleIfNew: string): Promise<ConversationRecord> {
    const { incidentId, schoolId } = room;
    return this.db.conversation.upsert({
      where: { platform_externalId: { platform: room.platform, externalId: room.externalId } },
      update: { purpose: 'incident', incidentId, schoolId, ...(room.title ? { title: room.title } : {}) },
      create: { ...room, title: room.title || titleIfNew, purpose: 'incident' },
    });
  }
}

export class PrismaIdentityRepository implements IdentityRepository {
  constructor(private readonly db: Client) {}

  owner(platform: string, externalId: string): Promise<AccountOwner | null> {
    return this.db.identity.findUnique({
      where: { platform_externalId: { platform, externalId } },
      include: { person: { include: { school: true } } },
    });
  }

  onPlatform(personId: string, platform: string): Promise<IdentityRecord | null> {
    return this.db.identity.findFirst({ where: { personId, platform } });
  }
}

export class PrismaPromptRepository implements PromptRepository {
  constructor(private readonly db: Client) {}

  async open(prompt: NewPrompt): Promise<PromptRecord> {
    const { conversationId, personId } = prompt;
    await this.db.pendingPrompt.updateMany({
      where: { conversationId, personId, status: 'open', kind: { not: 'intake' } },
      data: { status: 'cancelled' },
    });
    return this.db.pendingPrompt.create({ data: prompt });
  }

  find(id: string): Promise<PromptRecord | null> {
    return this.db.pendingPrompt.findUnique({ where: { id } });
  }

  openOf(conversationId: string, personId: string, now: Date): Promise<PromptRecord | null> {
    return this.db.pendingPrompt.findFirst({
      where: { conversationId, personId, status: 'open', expiresAt: { gt: now } },
      orderBy: { createdAt: 'desc' },
    });
  }

  async openIds(conversationId: string, personId: string): Promise<string[]> {
    const open = await this.db.pendingPrompt.findMany({ where: { conversationId, personId, status: 'open' }, select: { id: true } });
    return open.map((p) => p.id);
  }

  async save(id: string, stateEnc: string, step: string | null): Promise<void> {
    await this.db.pendingPrompt.update({ where: { id }, data: { stateEnc, step } });
  }

  async close(id: string, status: 'done' | 'cancelled'): Promise<void> {
    await this.db.pendingPrompt.update({ where: { id }, data: { status } });
  }

  async cancelOpenExcept(conversationId: string, personId: string, keep: readonly string[]): Promise<void> {
    await this.db.pendingPrompt.updateMany({
      where: { conversationId, personId, status: 'open', id: { notIn: [...keep] } },
      data: { status: 'cancelled' },
    });
  }
}

export class PrismaOneShotChoiceRepository implements OneShotChoiceRepository {
  constructor(private readonly db: Client) {}

  async add(choice: Pick<OneShotChoiceRecord, 'id' | 'conversationId' | 'messageEnc'>): Promise<void> {
    await this.db.oneShotChoice.create({ data: choice });
  }

  async posted(id: string, platformMessageId: string): Promise<void> {
    await this.db.oneShotChoice.update({ where: { id }, data: { platformMessageId } });
  }

  find(id: string): Promise<OneShotChoiceRecord | null> {
    return this.db.oneShotChoice.findUnique({ where: { id } });
  }

  async take(id: string, by: { personId: string | null; text: string; at: Date }): Promise<boolean> {
    const claimed = await this.db.oneShotChoice.updateMany({
      where: { id, takenAt: null },
      data: { takenAt: by.at, takenById: by.personId, takenText: by.text },
    });
    return claimed.count === 1;
  }

  async giveBack(id: string, takenText: string): Promise<void> {
    await this.db.oneShotChoice.updateMany({ where: { id, takenText }, data: { takenAt: null, takenById: null, takenText: null } });
  }
}

export class PrismaPostedCardRepository implements PostedCardRepository {
  constructor(private readonly db: Client) {}

  find(incidentId: string, cardKey: string, conversationId: string): Promise<PostedCardRecord | null> {
    return this.db.postedCard.findUnique({ where: { incidentId_cardKey_conversationId: { incidentId, cardKey, conversationId } } });
  }

  async copies(incidentId: string, keys: readonly string[], prefixes: readonly string[] = []): Promise<PostedCardIn[]> {
    const posted = await this.db.postedCard.findMany({
      where: { incidentId, OR: [{ cardKey: { in: [...keys] } }, ...prefixes.map((p) => ({ cardKey: { startsWith: p } }))] },
    });
    if (posted.length === 0) return [];
    // posted_card has no relation to conversation in the schema: the conversations in one more statement.
    const convs = await this.db.conversation.findMany({ where: { id: { in: [...new Set(posted.map((p) => p.conversationId))] } } });
    const byId = new Map(convs.map((c) => [c.id, c]));
    return posted.flatMap((p) => {
      const conversation = byId.get(p.conversationId);
      return conversation ? [{ ...p, conversation }] : [];
    });
  }

  async record(card: Pick<PostedCardRecord, 'id' | 'incidentId' | 'cardKey' | 'conversationId' | 'platformMessageId'>): Promise<void> {
    const { incidentId, cardKey, conversationId, platformMessageId } = card;
    await this.db.postedCard.upsert({
      where: { incidentId_cardKey_conversationId: { incidentId, cardKey, conversationId } },
      update: { platformMessageId },
      create: card,
    });
  }

  async edited(id: string, at: Date): Promise<void> {
    await this.db.postedCard.update({ where: { id }, data: { updatedAt: at } });
  }

  async reposted(id: string, platformMessageId: string): Promise<void> {
    await this.db.postedCard.update({ where: { id }, data: { platformMessageId } });
  }
}
