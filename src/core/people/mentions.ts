import type { PrismaClient } from '../../generated/prisma/client.js';
import type { Mention, TextMessage } from '../../ports/chat-model.js';

/**
 * The message as a group gets it: the people concerned are named at the end and mentioned where the platform can
 * (LINE, Slack); platforms that cannot show the plain names. People without any chat account are named only.
 */
export async function withMentions(prisma: PrismaClient, message: TextMessage, personIds: string[]): Promise<TextMessage> {
  if (personIds.length === 0) return message;
  const people = await prisma.person.findMany({
    where: { id: { in: personIds }, active: true },
    include: { identities: true },
    orderBy: { displayName: 'asc' },
  });
  if (people.length === 0) return message;
  const mentions: Mention[] = people.map((p) => ({
    text: `@${p.displayName}`,
    users: p.identities.map((i) => ({
      platform: i.platform,
      externalId: i.externalId,
      ...(i.displayName ? { displayName: i.displayName } : {}),
    })),
  }));
  return { ...message, text: `${message.text}\n請 ${mentions.map((m) => m.text).join(' ')} 留意。`, mentions };
}
