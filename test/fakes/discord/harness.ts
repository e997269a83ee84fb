import { expect } from 'vitest';
import { DEMO_PEOPLE } from '../../../src/app/demo.js';
import type { PrismaClient } from '../../../src/generated/prisma/client.js';
import type { DiscordAdapter } from '../../../adapters/discord/index.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import {
  APPLICATION_ID,
  FakeDiscord,
  type FakeMessage,
  type FakeUserMessage,
  type InteractionRecord,
  type OpenedModal,
} from './platform.js';

/** The product with Discord on, discord.js pointed at a fake Discord (REST + gateway). */
export const DISCORD_TOKEN = 'MTMwMDAwMDAwMDAwMDAwMDAwMg.GfAkEd.fake-token-for-tests-only-0123456789';

export type DemoId = (typeof DEMO_PEOPLE)[number]['id'];
/** A Discord user id (snowflake) per demo person (test data). */
export const discordUser = (person: DemoId): string =>
  `14000000000000000${String(DEMO_PEOPLE.findIndex((p) => p.id === person)).padStart(2, '0')}`;

export interface FoundButton {
  label: string;
  customId: string;
  /** Set when it is an option of a select menu (the custom_id is the menu's). */
  value?: string;
}

/** Buttons and select-menu options of a message, in order. */
export function buttonsIn(m: FakeMessage): FoundButton[] {
  const out: FoundButton[] = [];
  for (const row of m.components) {
    for (const c of (row.components as Record<string, unknown>[]) ?? []) {
      if (c.type === 2) out.push({ label: String(c.label), customId: String(c.custom_id) });
      if (c.type === 3)
        for (const o of c.options as { label: string; value: string }[])
          out.push({ label: o.label, customId: String(c.custom_id), value: o.value });
    }
  }
  return out;
}

/** All text of a message: content, embed titles, descriptions, fields and footers. */
export function textOf(m: FakeMessage): string {
  const out = [m.content];
  for (const e of m.embeds) {
    out.push(String(e.title ?? ''), String(e.description ?? ''));
    for (const f of (e.fields as { name: string; value: string }[] | undefined) ?? []) out.push(`${f.name}：${f.value}`);
    if (e.footer) out.push(String((e.footer as { text: string }).text));
  }
  return out.filter(Boolean).join('\n');
}

export interface DiscordTestApp {
  t: TestApp;
  fake: FakeDiscord;
  adapter: () => DiscordAdapter;
  /** Dispatches an interaction, waits for its first answer and for the bot to finish; returns what changed. */
  interact(start: () => InteractionRecord): Promise<Outcome>;
  /** A user types a message; waits until the bot has handled it. */
  say(user: string, channel: string, text: string): Promise<Outcome>;
  command(user: string, channel: string, name: 'report' | 'pdi', text?: string): Promise<Outcome>;
  /** A user sends files (a screenshot…) in a channel; waits until the bot has handled the message. */
  sendFile(
    user: string,
    channel: string,
    files: { name: string; bytes: Buffer; contentType?: string }[],
    text?: string,
  ): Promise<Outcome & { sent: FakeUserMessage }>;
  click(user: string, message: FakeMessage, label: string | ((b: FoundButton) => boolean)): Promise<Outcome>;
  submit(modal: OpenedModal, answers: Record<string, string | string[]>): Promise<Outcome>;
  /** Waits until every event dispatched so far was received and handled. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export interface Outcome {
  interaction?: InteractionRecord;
  /** Messages created or edited meanwhile. */
  changed: FakeMessage[];
  modals: OpenedModal[];
}

export async function startDiscordTestApp(env: Record<string, string> = {}): Promise<DiscordTestApp> {
  const fake = await FakeDiscord.start(DISCORD_TOKEN);
  const t = await startTestApp({
    env: { DISCORD_BOT_TOKEN: DISCORD_TOKEN, DISCORD_APPLICATION_ID: APPLICATION_ID, DISCORD_API_BASE: fake.apiBase, ...env },
  });
  const adapter = () => t.app.discord!;
  const settle = async () => {
    const target = fake.dispatchedToBot();
    const deadline = Date.now() + 10_000;
    while (adapter().received < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await adapter().idle();
  };
  const observe = async (work: () => Promise<InteractionRecord | undefined>): Promise<Outcome> => {
    const before = fake.messages.length;
    const edits = new Map(fake.messages.map((m) => [m, m.history.length]));
    const modalsBefore = fake.modals.length;
    const interaction = await work();
    if (interaction) await fake.responseOf(interaction);
    await settle();
    const changed = fake.messages.filter((m, i) => i >= before || m.history.length !== edits.get(m));
    return { ...(interaction ? { interaction } : {}), changed, modals: fake.modals.slice(modalsBefore) };
  };
  const h: DiscordTestApp = {
    t,
    fake,
    adapter,
    interact: (start) => observe(async () => start()),
    say: (user, channel, text) => observe(async () => void fake.say(user, channel, text)),
    async sendFile(user, channel, files, text) {
      let sent: FakeUserMessage | undefined;
      const out = await observe(async () => {
        sent = fake.sendFile(user, channel, files, text);
        return undefined;
      });
      return { ...out, sent: sent! };
    },
    command: (user, channel, name, text) =>
      observe(async () => fake.slashCommand(user, channel, name, text ? [{ name: 'text', type: 3, value: text }] : [])),
    click(user, message, label) {
      const all = buttonsIn(message);
      const b = all.find((x) => (typeof label === 'string' ? x.label === label || x.label.startsWith(`${label}：`) : label(x)));
      expect(b, `no ${String(label)} in: ${all.map((x) => x.label).join(', ')}`).toBeTruthy();
      return observe(async () => fake.component(user, message, b!.customId, b!.value ? [b!.value] : undefined));
    },
    submit: (modal, answers) => observe(async () => fake.submitModal(modal, answers)),
    settle,
    async close() {
      await t.close();
      await fake.close();
    },
  };
  return h;
}

/** Test data only: links demo people's Discord accounts, as a binding code would. */
export async function seedDiscordIdentities(prisma: PrismaClient, people: readonly DemoId[]): Promise<void> {
  for (const id of people) {
    const p = DEMO_PEOPLE.find((d) => d.id === id)!;
    await prisma.identity.upsert({
      where: { platform_externalId: { platform: 'discord', externalId: discordUser(id) } },
      update: {},
      create: { id: `discord-${id}`, personId: id, platform: 'discord', externalId: discordUser(id), displayName: p.name },
    });
  }
}
