import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buttonsIn,
  discordUser,
  seedDiscordIdentities,
  startDiscordTestApp,
  textOf,
  type DiscordTestApp,
} from '../../fakes/discord/harness.js';
import type { OpenedModal } from '../../fakes/discord/platform.js';

type C = Record<string, unknown>;

function answersFor(modal: OpenedModal, text: Record<string, string>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const row of modal.data.components) {
    const c = (row.type === 18 ? row.component : (row.components as C[])[0]) as C;
    const id = String(c.custom_id);
    if (c.type === 3) {
      const opts = c.options as { value: string }[];
      out[id] = [opts.find((o) => o.value === 'false')?.value ?? opts[0]!.value];
    } else out[id] = text[id] ?? (typeof c.value === 'string' && c.value ? c.value : '教務處');
  }
  return out;
}

/**
 * Discord, a reporter whose DMs are closed to the bot (50007): the report is filled in modals (private), the staff
 * channel gets a detail-free answer, the details go to the incident's private thread. A refusal to someone not linked
 * is ephemeral.
 */
describe('Discord: details never land in a wide channel', () => {
  let h: DiscordTestApp;
  let staff = '';
  const teacher = discordUser('demo-teacher');
  const HOW_LEAKED = '段考成績單誤寄全班家長';

  beforeAll(async () => {
    h = await startDiscordTestApp();
    await seedDiscordIdentities(h.t.app.db.prisma, ['demo-teacher', 'demo-principal', 'demo-window', 'demo-it']);
    staff = h.fake.textChannel('教職員');
    const team = h.fake.textChannel('應變小組');
    for (const [id, purpose] of [
      [staff, 'staff'],
      [team, 'response'],
    ] as const) {
      await h.t.app.db.prisma.conversation.create({
        data: { id: `discord-${id}`, platform: 'discord', externalId: id, kind: 'group', purpose, schoolId: 'demo-school', title: purpose },
      });
    }
    h.fake.closedDms.add(teacher);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('/小幫手 綁定群組 by someone not linked is answered to them alone', async () => {
    const stranger = '1499999999999999999';
    const out = await h.command(stranger, staff, 'pdi', '綁定群組 應變小組');
    const refusal = out.changed.find((m) => textOf(m).includes('只有校長（管理人）或個資聯絡窗口'));
    expect(refusal?.visibleTo).toBe(stranger);
    expect(h.fake.messagesIn(staff).map(textOf).join('\n')).not.toContain('只有校長');
  });

  it('DMs closed: the report is filled in modals, the staff channel gets no details, the thread gets the cards', async () => {
    const first = await h.command(teacher, staff, 'report');
    let modal: OpenedModal | undefined = first.modals[0];
    expect(modal).toBeTruthy();
    let ref = '';
    for (let page = 0; page < 6 && modal; page += 1) {
      const out = await h.submit(
        modal,
        answersFor(modal, {
          howLeaked: HOW_LEAKED,
          occurredAt: '今天 0:00',
          awareAt: '現在',
          affectedEstimate: '30',
          stepsTaken: '已請家長刪除',
          categories: '姓名、成績',
        }),
      );
      const created = out.changed.map(textOf).find((t) => t.includes('已建立個資事件'));
      if (created) {
        ref = /個資事件 (\d{3}-\d{3})/.exec(created)![1]!;
        break;
      }
      const offer = out.changed.find((m) => buttonsIn(m).some((b) => b.label === '填寫通報表'));
      expect(offer, out.changed.map(textOf).join('\n---\n')).toBeTruthy();
      expect(offer!.channelId === staff ? offer!.visibleTo : teacher).toBe(teacher);
      modal = (await h.click(teacher, offer!, '填寫通報表')).modals[0];
    }
    expect(ref).not.toBe('');
    const publicInStaff = h.fake.messagesIn(staff).map(textOf).join('\n');
    expect(publicInStaff).toContain(`已建立個資事件 ${ref}`);
    expect(publicInStaff).toContain('事件細節不會顯示在這裡');
    expect(publicInStaff).toContain('隱私設定');
    expect(publicInStaff).not.toContain(HOW_LEAKED);
    const thread = [...h.fake.channels.values()].find((c) => c.type === 12 && c.name === `pdi-${ref}`)!;
    expect(h.fake.messagesIn(thread.id).map(textOf).join('\n')).toContain(HOW_LEAKED);
  });
});
