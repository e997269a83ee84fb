import type { Conversation, Prisma, PrismaClient } from '../../generated/prisma/client.js';

/**
 * The `conversation` row of a platform conversation, created the first time the bot meets it and otherwise left as it
 * is. It is read first: the row nearly always exists, and a read is one statement, where Prisma's upsert with nothing to
 * update runs a transaction of three reads. Two events creating the same row at once still meet in the upsert.
 */
export async function ensureConversation(prisma: PrismaClient, create: Prisma.ConversationUncheckedCreateInput): Promise<Conversation> {
  const where = { platform_externalId: { platform: create.platform, externalId: create.externalId } };
  return (await prisma.conversation.findUnique({ where })) ?? prisma.conversation.upsert({ where, update: {}, create });
}
