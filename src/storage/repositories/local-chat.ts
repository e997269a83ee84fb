import type {
  LocalChatRepository,
  LocalConversationRecord,
  LocalMessageRecord,
  LocalUserRecord,
  NewLocalMessage,
} from '../../ports/repositories/index.js';
import type { Client } from './client.js';

const MESSAGE = {
  id: true,
  conversationId: true,
  senderKind: true,
  senderName: true,
  bodyEnc: true,
  editedAt: true,
  createdAt: true,
} as const;
const CONVERSATION = { externalId: true, kind: true, purpose: true, title: true } as const;

export class PrismaLocalChatRepository implements LocalChatRepository {
  constructor(private readonly db: Client) {}

  add(message: NewLocalMessage): Promise<LocalMessageRecord> {
    return this.db.localMessage.create({ data: message, select: MESSAGE });
  }

  edit(id: bigint, bodyEnc: string, at: Date): Promise<LocalMessageRecord> {
    return this.db.localMessage.update({ where: { id }, data: { bodyEnc, editedAt: at }, select: MESSAGE });
  }

  async latest(conversationId: string, limit: number): Promise<LocalMessageRecord[]> {
    const rows = await this.db.localMessage.findMany({ where: { conversationId }, orderBy: { id: 'desc' }, take: limit, select: MESSAGE });
    return rows.reverse();
  }

  async users(platform: string): Promise<LocalUserRecord[]> {
    const identities = await this.db.identity.findMany({ where: { platform }, include: { person: true } });
    return identities.map(userOf);
  }

  async user(platform: string, externalId: string): Promise<LocalUserRecord | null> {
    const identity = await this.db.identity.findUnique({
      where: { platform_externalId: { platform, externalId } },
      include: { person: true },
    });
    return identity ? userOf(identity) : null;
  }

  conversations(platform: string): Promise<LocalConversationRecord[]> {
    return this.db.conversation.findMany({ where: { platform }, orderBy: { createdAt: 'asc' }, select: CONVERSATION });
  }

  conversation(platform: string, externalId: string): Promise<LocalConversationRecord | null> {
    return this.db.conversation.findUnique({ where: { platform_externalId: { platform, externalId } }, select: CONVERSATION });
  }
}

function userOf(i: {
  externalId: string;
  person: { id: string; schoolId: string; displayName: string; roles: string[]; unit: string | null };
}): LocalUserRecord {
  return {
    externalId: i.externalId,
    personId: i.person.id,
    schoolId: i.person.schoolId,
    displayName: i.person.displayName,
    roles: i.person.roles,
    unit: i.person.unit,
  };
}
