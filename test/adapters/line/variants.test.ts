import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_DIR } from '../../../src/app/config.js';
import { verifyIncidentTimeline } from '../../../src/core/timeline/timeline.js';
import { callbackBody, ev, postWebhook, redelivered, sign } from '../../fakes/line/events.js';
import type { DeliveredMessage } from '../../fakes/line/platform.js';
import {
  actionsIn,
  answerItemQuestions,
  flexes,
  flexText,
  lineGroupId,
  seedLineIdentities,
  startLineTestApp,
  texts,
  uid,
  type LineTestApp,
} from '../../fakes/line/harness.js';
import { settleAuditorReview } from '../../helpers/scenario.js';

/**
 * Every playbook variant through LINE (issue #3): a teacher types 「通報」 in the staff group, answers the intake step
 * by step in her 1:1 chat — with a redelivered event, a wrongly signed request and a process restart in the middle —
 * the contact window works the whole checklist with postbacks in the response group, drafts the notice to the
 * affected people there, and the principal approves it in his 1:1 chat. One app for all variants; every request the
 * bot sends is checked against LINE's OpenAPI file by the fake platform.
 */
const VARIANTS = readdirSync(join(ROOT_DIR, 'playbooks', 'playbooks'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.replace(/\.yaml$/, ''))
  .sort((a, b) => (a === 'general' ? -1 : b === 'general' ? 1 : a.localeCompare(b)));

describe('LINE: every playbook variant from 「通報」 in the staff group to a completed checklist and an approved notice', () => {
  let h: LineTestApp;
  const staff = lineGroupId('variants-staff');
  const team = lineGroupId('variants-response');
  const teacher = uid('demo-teacher');
  const principal = uid('demo-principal');

  beforeAll(async () => {
    h = await startLineTestApp();
    await seedLineIdentities(h.t.app.db.prisma, ['demo-teacher', 'demo-window', 'demo-principal']);
    for (const p of ['demo-teacher', 'demo-window', 'demo-principal'] as const) {
      await h.send([ev.follow(uid(p), h.fake.issueReplyToken(uid(p)))]);
    }
    for (const [g, purpose] of [
      [staff, '教職員群組'],
      [team, '應變小組'],
    ] as const) {
      await h.send([ev.join(g, h.fake.issueReplyToken(g))]);
      expect(texts(await h.say({ group: g }, 'demo-window', `綁定群組 ${purpose}`))[0]).toContain(`「${purpose}」`);
    }
  });
  afterAll(async () => {
    await h?.close();
  });

  it('has the general playbook and six variants', () => {
    expect(VARIANTS).toEqual([
      'general',
      'form-responses',
      'hacked-system',
      'lost-media',
      'misdirected-message',
      'public-video',
      'shared-roster',
    ]);
  });

  it.each(VARIANTS)('%s', async (variant) => {
    const playbook = h.t.app.deps.playbooks.get(variant);
    // ---------------------------------------------------------------- the report, step by step in the 1:1 chat
    const started = await h.say({ group: staff }, 'demo-teacher', '通報');
    expect(texts(started.filter((d) => d.chatId === staff))).toEqual(['已私訊 王老師（示範） 填寫通報內容，細節請勿在群組討論。']);
    let question = started.filter((d) => d.chatId === teacher).at(-1)!;
    const fields = h.t.app.deps.playbooks.intake;
    let restarted = false;
    let ref = '';
    for (let guard = 0; guard < 30 && !ref; guard += 1) {
      const m = /（(\d+)\/(\d+)）/.exec(String(question.message.text));
      expect(m, `a numbered question, got: ${String(question.message.text)}`).toBeTruthy();
      const step = Number(m![1]);
      const field = fields[step - 1]!;
      let answer: string;
      if (field.key === 'scenario') {
        const line = String(question.message.text)
          .split('\n')
          .find((l) => l.endsWith(`. ${scenarioLabel(question, variant, h)}`))!;
        answer = line.split('.')[0]!;
      } else {
        answer = (
          {
            select: '1',
            textarea: `${playbook.title}：詳細經過`,
            text: '教務處',
            datetime: '現在',
            number: '30',
            headcount: '約30人',
            multiselect: '1',
            boolean: variant === 'hacked-system' ? '是' : '否',
          } as Record<string, string>
        )[field.type]!;
      }
      if (step === 3) {
        // LINE redelivers the answer event (same webhookEventId): answered once, the intake moves one step only.
        const e = ev.text({ user: teacher }, teacher, answer, h.fake.issueReplyToken(teacher));
        const first = await h.send([e]);
        expect(first.length).toBeGreaterThan(0);
        expect(await h.send([redelivered(e)])).toEqual([]);
        question = first.filter((d) => d.chatId === teacher).at(-1)!;
        // A request that is not from LINE (wrong signature) is refused and changes nothing.
        const forged = callbackBody([ev.text({ user: teacher }, teacher, '取消', h.fake.issueReplyToken(teacher))]);
        const before = h.fake.requests.length;
        expect((await postWebhook(h.t.url, forged, sign(forged, 'f'.repeat(32)))).status).toBe(401);
        await h.t.app.line!.idle();
        expect(h.fake.requests.length).toBe(before);
        continue;
      }
      if (step === 5 && !restarted) {
        await h.t.restart(); // the process stops in the middle of the intake; the answers so far are kept
        restarted = true;
      }
      const out = await h.say({ user: teacher }, 'demo-teacher', answer);
      const mine = out.filter((d) => d.chatId === teacher);
      expect(mine[0]!.via).toBe('reply');
      question = mine.at(-1)!;
      const created = texts(mine).find((t) => t.includes('已建立個資事件'));
      if (created) ref = /個資事件 (\d{3}-\d{3})/.exec(created)![1]!;
    }
    expect(restarted).toBe(true);
    expect(ref).toMatch(/^\d{3}-\d{3}$/);
    const incident = await h.t.app.db.prisma.incident.findFirstOrThrow({ where: { ref }, include: { checklist: true } });
    expect(incident.playbookId).toBe(variant);
    // The response group got the incident with its responders @mentioned, and the staff group only a pointer.
    const announced = h.fake.messagesIn(team).find((d) => String(d.message.text).includes(`新個資事件 ${ref}`))!;
    expect(announced.message.type).toBe('textV2');
    expect(
      Object.values(announced.message.substitution as Record<string, { mentionee: { userId: string } }>).map((s) => s.mentionee.userId),
    ).toContain(uid('demo-window'));
    expect(texts(h.fake.messagesIn(staff)).find((t) => t.includes(ref))).toContain('請勿在本群組討論');

    // ---------------------------------------------------------------- the checklist, with postbacks in the team group
    const latestChecklist = (): DeliveredMessage =>
      flexes(h.fake.messagesIn(team))
        .filter((d) => String(d.message.altText).startsWith(`檢核清單｜${ref}`) || String(d.message.altText).startsWith(`檢核清單 ${ref}`))
        .at(-1)!;
    expect(latestChecklist(), 'the checklist card in the response group').toBeTruthy();
    // The auditor's review is the auditor's alone (playbook completedBy): settled as the demo auditor, the rest below.
    await settleAuditorReview(h.t.app, incident.id);
    for (let guard = 0; guard < 80; guard += 1) {
      const next = actionsIn(latestChecklist().message).find((a) => a.label === '完成');
      if (!next) break;
      const out = await h.press({ group: team }, 'demo-window', next.data!);
      if (!flexes(out).length) {
        // The item asks what was done (完成情形), or more as a short step-by-step form (LINE shows no forms).
        expect(texts(out)[0]).toMatch(/完成情形|一題一題問您/);
        const { asked, last } = await answerItemQuestions(h, { group: team }, 'demo-window', out, '已處理並留存紀錄');
        expect(asked.length).toBeGreaterThan(0);
        expect(flexes(last)).toHaveLength(1);
      }
    }
    expect(flexText(latestChecklist().message)).toContain(`已處理 ${incident.checklist.length} / ${incident.checklist.length} 項`);
    const items = await h.t.app.db.prisma.checklistItem.findMany({ where: { incidentId: incident.id } });
    expect(items.every((c) => c.state === 'done')).toBe(true);

    // ---------------------------------------------------------------- the notice: drafted in the group, approved in 1:1
    const overview = flexes(await h.say({ group: team }, 'demo-window', `通知 ${ref}`))[0]!;
    expect(String(overview.message.altText)).toContain(`通知當事人｜${ref}`);
    const create = actionsIn(overview.message).find((a) => a.label === '建立')!;
    const drafted = flexes(await h.press({ group: team }, 'demo-window', create.data!))[0]!;
    expect(String(drafted.message.altText)).toContain('第1版，草稿');
    const submit = actionsIn(drafted.message).find((a) => a.label === '送校長核定')!;
    const submitted = await h.press({ group: team }, 'demo-window', submit.data!);
    expect(texts(submitted).join('\n')).toContain('送管理人（校長）核定（1 位）');
    const review = flexes(submitted.filter((d) => d.chatId === principal))[0]!;
    expect(review.via).toBe('push'); // nobody spoke in the principal's chat: no reply token to use
    expect(flexText(review.message)).toContain(ref);
    const approve = actionsIn(review.message).find((a) => a.label === '核定')!;
    const decided = await h.press({ user: principal }, 'demo-principal', approve.data!);
    expect(decided.find((d) => d.chatId === principal)!.via).toBe('reply');
    expect(flexText(flexes(decided.filter((d) => d.chatId === principal))[0]!.message)).toMatch(/✓ 已由 陳校長（示範） 於 .* 核定/);
    expect(texts(decided.filter((d) => d.chatId === uid('demo-window'))).join('\n')).toContain('已由 陳校長（示範） 核定');
    const notice = await h.t.app.db.prisma.subjectNotice.findFirstOrThrow({ where: { incidentId: incident.id } });
    expect(notice.status).toBe('approved');
    expect((await verifyIncidentTimeline(h.t.app.deps, incident.id)).ok).toBe(true);
    expect(h.fake.invalidRequests().map((r) => `${r.path}: ${r.problems.join('; ')}`)).toEqual([]);
  });

  it('replies were preferred over pushes, and every push carried a retry key', () => {
    const pushes = h.fake.requests.filter((r) => r.path === '/v2/bot/message/push');
    const replies = h.fake.requests.filter((r) => r.path === '/v2/bot/message/reply');
    expect(pushes.every((r) => typeof r.headers['x-line-retry-key'] === 'string')).toBe(true);
    expect(replies.length).toBeGreaterThan(pushes.length);
  });
});

/** The label of the variant's option in the intake's 「事件類型」 question. */
function scenarioLabel(_q: DeliveredMessage, variant: string, h: LineTestApp): string {
  const field = h.t.app.deps.playbooks.intake.find((f) => f.key === 'scenario')!;
  const option = (field.options ?? []).find((o) => o.value === variant);
  if (!option) throw new Error(`no intake option for ${variant}`);
  return option.label;
}
