import { describe, expect, it } from 'vitest';
import { flexMessage, flexMessages, lineAction, LINE_LIMITS, toLineMessages } from '../../../adapters/line/render.js';
import { actionsIn } from '../../fakes/line/harness.js';
import type { Card } from '../../../src/ports/chat-model.js';
import { validateSend } from '../../fakes/line/spec.js';

const push = (messages: unknown[]) => validateSend('PushMessageRequest', { to: `U${'1'.repeat(32)}`, messages });

function checklist(rows: number): Card {
  return {
    type: 'card',
    key: 'checklist',
    title: '檢核清單｜115-001',
    subtitle: '寄錯信：已處理 0 / 0 項',
    tone: 'info',
    sections: [
      {
        heading: '立即應變（儘速／4小時內）',
        rows: Array.from({ length: rows }, (_, i) => ({
          text: `第 ${i + 1} 項：切斷外洩管道並請收件者刪除郵件`,
          detail: '負責：個資聯絡窗口',
          status: 'open' as const,
          buttons: [
            { label: '完成', action: `ck:item${String(i).padStart(12, '0')}:d`, style: 'primary' as const },
            { label: '不適用', action: `ck:item${String(i).padStart(12, '0')}:n` },
          ],
        })),
      },
    ],
    footer: '按「完成」記錄已做的事。',
    fallbackText: '檢核清單 115-001',
  };
}

describe('LINE rendering of the core messages', () => {
  it('renders a card as a Flex bubble that LINE accepts, with postback buttons carrying the opaque action', () => {
    const card: Card = {
      type: 'card',
      key: 'incident',
      title: '個資事件 115-001',
      subtitle: '應變處置中',
      tone: 'danger',
      sections: [
        {
          heading: '事件',
          fields: [
            { label: '地點', value: '教務處' },
            { label: '影響人數', value: '30 人', tone: 'warning' },
          ],
        },
        { heading: '法定時限', rows: [{ text: '通報教育局：115/11/09 24:00', detail: '依據：實施辦法第13條第3項', status: 'overdue' }] },
      ],
      buttons: [
        { label: '檢核清單', action: 'inc:abc:checklist', style: 'primary' },
        { label: '摘要', action: 'inc:abc:summary' },
      ],
      fallbackText: '個資事件 115-001',
    };
    const [m] = toLineMessages(card);
    expect(push([m])).toEqual([]);
    expect(m!.type).toBe('flex');
    const json = JSON.stringify(m);
    expect(json).toContain('"data":"inc:abc:checklist"');
    expect((m as { contents: { type: string } }).contents.type).toBe('bubble');
  });

  it('splits a long checklist into a carousel within LINE limits', () => {
    const m = flexMessage(checklist(20));
    const contents = m.contents as { type: string; contents: unknown[] };
    expect(contents.type).toBe('carousel');
    expect(contents.contents.length).toBe(4);
    expect(push([m])).toEqual([]);
    // Longer than one carousel (12 bubbles, 50 KB): continued in more messages, no row lost.
    const huge = flexMessages(checklist(200));
    expect(huge.length).toBeGreaterThan(1);
    for (const m of huge) {
      expect((m.contents as { contents: unknown[] }).contents.length).toBeLessThanOrEqual(LINE_LIMITS.carouselBubbles);
      expect(push([m])).toEqual([]);
    }
    expect(huge.flatMap((m) => actionsIn(m as never)).filter((a) => a.label === '完成')).toHaveLength(200);
  });

  it('turns quick replies into LINE quick-reply items: say: answers as messages, the rest as postbacks', () => {
    const [m] = toLineMessages({
      type: 'text',
      text: '（1/10）事件類型',
      quickReplies: [
        { label: '寄錯信或訊息給不該收到的人（電子郵件、LINE）', action: 'say:1' },
        { label: '取消通報', action: 'prompt:cancel:abc' },
      ],
    });
    expect(push([m])).toEqual([]);
    const items = (m as { quickReply: { items: { action: Record<string, string> }[] } }).quickReply.items;
    expect(items[0]!.action).toMatchObject({ type: 'message', text: '1' });
    expect([...items[0]!.action.label!].length).toBeLessThanOrEqual(20);
    expect(items[1]!.action).toMatchObject({ type: 'postback', data: 'prompt:cancel:abc' });
  });

  it('refuses an action string LINE could not carry, naming the limit', () => {
    expect(() => lineAction({ label: 'x', action: `ck:${'x'.repeat(400)}` })).toThrow(/300/);
  });

  it('a form (LINE has none) becomes a text that explains it, not a silent drop', () => {
    const [m] = toLineMessages({
      type: 'form',
      formId: 'assess:1',
      title: '影響評估',
      fields: [{ id: 'a', label: '學生人數', type: 'number', required: false }],
      submitLabel: '送出',
      cancelAction: 'prompt:cancel:1',
      fallbackText: '影響評估',
    });
    expect(m!.type).toBe('text');
    expect((m as { text: string }).text).toContain('學生人數');
    expect(push([m])).toEqual([]);
  });
});

describe('the fake platform catches what LINE would reject', () => {
  const bubble = (body: unknown) => ({ type: 'flex', altText: '卡片', contents: { type: 'bubble', body } });
  it('a box without layout', () => {
    expect(push([bubble({ type: 'box', contents: [] })]).join()).toMatch(/layout/);
  });
  it('an unknown component type', () => {
    expect(
      push([
        bubble({ type: 'box', layout: 'vertical', contents: [{ type: 'buton', action: { type: 'postback', label: 'a', data: 'x' } }] }),
      ]),
    ).not.toEqual([]);
  });
  it('a button without an action, and a layout LINE does not know', () => {
    expect(push([bubble({ type: 'box', layout: 'vertical', contents: [{ type: 'button' }] })]).join()).toMatch(/action/);
    expect(push([bubble({ type: 'box', layout: 'grid', contents: [] })]).join()).toMatch(/allowed values/);
  });
  it('postback data over 300 characters, a 21-character quick-reply label, more than 5 messages, 13+ bubbles', () => {
    expect(
      push([
        bubble({
          type: 'box',
          layout: 'vertical',
          contents: [{ type: 'button', action: { type: 'postback', label: 'a', data: 'x'.repeat(301) } }],
        }),
      ]),
    ).not.toEqual([]);
    expect(
      push([
        {
          type: 'text',
          text: 'q',
          quickReply: {
            items: [{ type: 'action', action: { type: 'message', label: '一二三四五六七八九十一二三四五六七八九十一', text: 'x' } }],
          },
        },
      ]).join(),
    ).toMatch(/label/);
    expect(push(Array.from({ length: 6 }, () => ({ type: 'text', text: 'x' }))).join()).toMatch(/more than 5/);
    const b = { type: 'bubble', body: { type: 'box', layout: 'vertical', contents: [{ type: 'text', text: 'x' }] } };
    expect(
      push([{ type: 'flex', altText: 'x', contents: { type: 'carousel', contents: Array.from({ length: 13 }, () => b) } }]).join(),
    ).toMatch(/max 12/);
  });
});
