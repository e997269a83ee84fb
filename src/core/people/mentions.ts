import type { Mention, TextMessage } from '../../ports/chat-model.js';
import type { Repositories } from '../../ports/repositories/index.js';

/**
 * The message as a group gets it: the people concerned are named at the end and mentioned where the platform can
 * (LINE, Slack); platforms that cannot show the plain names. People without any chat account are named only.
 */
export async function withMentions(repos: Pick<Repositories, 'people'>, message: TextMessage, personIds: string[]): Promise<TextMessage> {
  if (personIds.length === 0) return message;
  const people = await repos.people.activeWithIdentities(personIds);
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
