import { describe, expect, it } from 'vitest';
import { cardMessage, formModal, formValues, toDiscordMessage } from '../../../adapters/discord/render.js';
import { LINK_ACTION, type Card, type Form } from '../../../src/ports/chat-model.js';
import { limitProblems } from '../../fakes/discord/platform.js';
import { requestProblems } from '../../fakes/discord/spec.js';

const post = (body: unknown) => [
  ...requestProblems('POST', '/channels/1300000000000000005/messages', 'application/json', body),
  ...limitProblems('POST', '/channels/1/messages', body),
];
const modal = (data: unknown) => [
  ...requestProblems('POST', '/interactions/1300000000000000006/tok/callback', 'application/json', { type: 9, data }),
  ...limitProblems('POST', '/interactions/1/tok/callback', { type: 9, data }),
];

const many = (n: number) => Array.from({ length: n }, (_, i) => ({ value: `v${i + 1}`, label: `選項${i + 1}` }));

/** The neutral model as Discord payloads, checked against Discord's OpenAPI file and documented limits. */
describe('Discord rendering', () => {
  it('a long checklist keeps its card buttons and moves row buttons into select menus within 5 action rows', () => {
    const card: Card = {
      type: 'card',
      key: 'checklist',
      title: '檢核清單｜115-001',
      sections: [
        {
          rows: Array.from({ length: 14 }, (_, i) => ({
            text: `項目 ${i + 1}`,
            status: 'open' as const,
            buttons: [
              { label: '完成', action: `ck:item${i}:d` },
              { label: '不適用', action: `ck:item${i}:n` },
            ],
          })),
        },
      ],
      buttons: [{ label: '摘要', action: 'inc:x:summary' }],
      fallbackText: '檢核清單',
    };
    const m = cardMessage(card);
    expect(post(m)).toEqual([]);
    const rows = m.components!;
    expect(rows.length).toBeLessThanOrEqual(5);
    const selects = rows.flatMap((r) =>
      (r.components as { type: number; options?: { label: string; value: string }[] }[]).filter((c) => c.type === 3),
    );
    expect(selects.flatMap((s) => s.options!.map((o) => o.value))).toHaveLength(28);
    expect(selects[0]!.options![0]).toEqual({ label: '完成：項目 1', value: 'ck:item0:d' });
    expect(rows.at(-1)!.components).toEqual([expect.objectContaining({ type: 2, label: '摘要', custom_id: 'inc:x:summary' })]);
  });

  it('a form becomes a modal of labelled inputs: selects for choices and yes/no, text for the rest and for >25 options', () => {
    const form: Form = {
      type: 'form',
      formId: 'intake:abc:0',
      title: '個資事件通報（第1頁，共2頁）這個標題很長很長很長很長很長很長很長很長',
      fields: [
        { id: 'scenario', label: '事件類型', type: 'select', required: true, options: many(7), initial: 'v2' },
        { id: 'kinds', label: '涉及對象', type: 'multiselect', required: false, options: many(4) },
        { id: 'system', label: '涉及資訊系統', type: 'boolean', required: true, help: '學校網站、校務系統、雲端服務等' },
        { id: 'categories', label: '個資類別', type: 'multiselect', required: true, options: many(29) },
        { id: 'how', label: '外洩經過', type: 'textarea', required: true, maxLength: 2000, initial: '已知的經過' },
      ],
      submitLabel: '送出',
      fallbackText: '通報表',
    };
    const data = formModal(form, 'dm:d1300000000000000007:intake:abc:0');
    expect(modal(data)).toEqual([]);
    const comps = data.components as { type: number; label: string; description?: string; component: Record<string, unknown> }[];
    expect(comps.map((c) => [c.type, c.label, c.component.type])).toEqual([
      [18, '事件類型', 3],
      [18, '涉及對象', 3],
      [18, '涉及資訊系統', 3],
      [18, '個資類別', 4],
      [18, '外洩經過', 4],
    ]);
    expect(comps[0]!.component).toMatchObject({ min_values: 1, max_values: 1, required: true });
    expect((comps[0]!.component.options as { value: string; default?: boolean }[]).find((o) => o.default)?.value).toBe('v2');
    expect(comps[1]!.component).toMatchObject({ min_values: 0, max_values: 4, required: false });
    expect(comps[2]!.component.options).toEqual([
      { label: '是', value: 'true' },
      { label: '否', value: 'false' },
    ]);
    expect(comps[2]!.description).toBe('學校網站、校務系統、雲端服務等');
    expect(comps[4]!.component).toMatchObject({ style: 2, max_length: 2000, value: '已知的經過' });
    expect([...String(data.title)].length).toBeLessThanOrEqual(45);
    expect(() => formModal({ ...form, fields: [...form.fields, { id: 'x', label: 'x', type: 'text', required: false }] }, 'dm:x')).toThrow(
      /pages/,
    );

    const values = formValues(form, {
      scenario: ['v3'],
      kinds: ['v1', 'v4'],
      system: ['false'],
      categories: '選項2、選項29，3',
      how: ' 經過 ',
    });
    expect(values).toEqual({ scenario: 'v3', kinds: ['v1', 'v4'], system: 'false', categories: ['v2', 'v29', 'v3'], how: '經過' });
    expect(formValues(form, { kinds: [], how: '  ' })).toEqual({});
  });

  it('mentions notify only the named people with a Discord account; nobody else is pinged', () => {
    const m = toDiscordMessage({
      type: 'text',
      text: '新個資事件 115-001。請 @李組長（示範） @陳校長（示範） 留意。@everyone',
      mentions: [
        {
          text: '@李組長（示範）',
          users: [
            { platform: 'discord', externalId: '1400000000000000002' },
            { platform: 'slack', externalId: 'U1' },
          ],
        },
        { text: '@陳校長（示範）', users: [{ platform: 'line', externalId: 'Uabc' }] },
      ],
    });
    expect(m.content).toBe('新個資事件 115-001。請 <@1400000000000000002> @陳校長（示範） 留意。@everyone');
    expect(m.allowed_mentions).toEqual({ parse: [], users: ['1400000000000000002'] });
    expect(post(m)).toEqual([]);
  });

  it('a link button (a signed download link) is a Discord link button: style 5 with its url, no custom_id', () => {
    const url = 'https://pdi.example.edu.tw/documents/eyJrIjoiazEiLCJpIjoiaW5jLTEifQ.c2lnbmF0dXJl';
    const link = (label: string, u: string) => ({ label, action: LINK_ACTION, url: u });
    const card: Card = {
      type: 'card',
      title: '報告｜115-001',
      sections: [
        { rows: [{ text: '3 日內陳報教育局', buttons: [link('PDF', `${url}1`), link('ODT', `${url}2`), link('DOCX', `${url}3`)] }] },
      ],
      buttons: [{ label: '重新產生', action: 'rpt:inc-1:regen', style: 'primary' }, link('下載全部', `${url}4`)],
      fallbackText: '報告',
    };
    const m = cardMessage(card);
    expect(post(m)).toEqual([]);
    const buttons = m.components!.flatMap((r) => r.components as Record<string, unknown>[]);
    // Links sharing the action LINK_ACTION are distinct buttons (by address), each without a custom_id.
    expect(buttons).toEqual([
      { type: 2, style: 5, label: 'PDF', url: `${url}1` },
      { type: 2, style: 5, label: 'ODT', url: `${url}2` },
      { type: 2, style: 5, label: 'DOCX', url: `${url}3` },
      { type: 2, style: 1, label: '重新產生', custom_id: 'rpt:inc-1:regen' },
      { type: 2, style: 5, label: '下載全部', url: `${url}4` },
    ]);
    // A checklist too long for buttons: its row buttons become select options, but a link cannot be an option.
    const long: Card = {
      ...card,
      sections: [
        {
          rows: [
            ...Array.from({ length: 14 }, (_, i) => ({
              text: `項目 ${i + 1}`,
              buttons: [
                { label: '完成', action: `ck:i${i}:d` },
                { label: '不適用', action: `ck:i${i}:n` },
              ],
            })),
            { text: '報告', buttons: [link('PDF', `${url}1`)] },
          ],
        },
      ],
    };
    const lm = cardMessage(long);
    expect(post(lm)).toEqual([]);
    const flat = lm.components!.flatMap((r) => r.components as Record<string, unknown>[]);
    expect(flat.filter((c) => c.type === 3).flatMap((c) => (c.options as { value: string }[]).map((o) => o.value))).not.toContain(
      LINK_ACTION,
    );
    expect(flat.filter((c) => c.style === 5).map((c) => c.url)).toEqual([`${url}4`, `${url}1`]);
    // A link among quick replies, and what the fake Discord (its documented rules) refuses.
    const text = toDiscordMessage({
      type: 'text',
      text: '報告已產生',
      quickReplies: [link('下載', url), { label: '完成', action: 'say:完成' }],
    });
    expect(post(text)).toEqual([]);
    expect(text.components![0]!.components).toEqual([
      { type: 2, style: 5, label: '下載', url },
      { type: 2, style: 2, label: '完成', custom_id: 'say:完成' },
    ]);
    const row = (b: Record<string, unknown>) => ({
      content: 'x',
      components: [{ type: 1, components: [b] }],
      allowed_mentions: { parse: [] },
    });
    expect(post(row({ type: 2, style: 5, label: 'x', url, custom_id: LINK_ACTION }))).toEqual([
      expect.stringMatching(/link button "x" cannot have a custom_id/),
    ]);
    expect(post(row({ type: 2, style: 1, label: 'x', url }))).toEqual([
      expect.stringMatching(/needs a custom_id/),
      expect.stringMatching(/cannot have a url/),
    ]);
    expect(post(row({ type: 2, style: 5, label: 'x', url: `https://x.tw/${'a'.repeat(600)}` }))).not.toEqual([]);
    expect(() => toDiscordMessage({ type: 'text', text: 'x', quickReplies: [link('x', `https://x.tw/${'a'.repeat(600)}`)] })).toThrow(
      /at most 512/,
    );
    expect(() => toDiscordMessage({ type: 'text', text: 'x', quickReplies: [link('x', 'javascript:alert(1)')] })).toThrow(
      /http\(s\) address/,
    );
  });

  it('refuses an action longer than a custom_id allows, naming it', () => {
    expect(() => toDiscordMessage({ type: 'text', text: 'x', quickReplies: [{ label: 'x', action: `say:${'很'.repeat(120)}` }] })).toThrow(
      /custom_id allows 100/,
    );
  });
});
