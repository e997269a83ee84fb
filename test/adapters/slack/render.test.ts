import { describe, expect, it } from 'vitest';
import { homeView, toSlackMessage } from '../../../adapters/slack/render.js';
import type { Card } from '../../../src/ports/chat-model.js';
import { blockProblems, homeViewProblems } from '../../fakes/slack/spec.js';

describe('Slack rendering', () => {
  it("the core's mentions notify people with a Slack account; other names and markup stay plain text", () => {
    const m = toSlackMessage({
      type: 'text',
      text: '新個資事件 115-001：@李組長（示範） @林老師（示範） 請處理 <a> & b',
      mentions: [
        {
          text: '@李組長（示範）',
          users: [
            { platform: 'line', externalId: 'Uline' },
            { platform: 'slack', externalId: 'UWINDOW01' },
          ],
        },
        { text: '@林老師（示範）', users: [{ platform: 'line', externalId: 'Uline2' }] },
      ],
    });
    expect(m.text).toBe('新個資事件 115-001：<@UWINDOW01> @林老師（示範） 請處理 &lt;a&gt; &amp; b');
    const withButtons = toSlackMessage({
      type: 'text',
      text: '@李組長（示範） 請確認',
      quickReplies: [{ label: '好', action: 'say:好' }],
      mentions: [{ text: '@李組長（示範）', users: [{ platform: 'slack', externalId: 'UWINDOW01' }] }],
    });
    expect((withButtons.blocks![0]!.text as { text: string }).text).toBe('<@UWINDOW01> 請確認');
    expect(blockProblems(withButtons.blocks, 'message')).toEqual([]);
  });

  it('the Home tab: cards one after another within 100 blocks, action ids unique across the cards', () => {
    const card = (n: number, rows: number): Card => ({
      type: 'card',
      title: `卡片 ${n}`,
      sections: [
        {
          rows: Array.from({ length: rows }, (_, i) => ({
            text: `項目 ${i}`,
            buttons: [
              { label: '完成', action: `ck:${n}-${i}:d` },
              { label: '不適用', action: `ck:${n}-${i}:n` },
            ],
          })),
        },
      ],
      fallbackText: `卡片 ${n}`,
    });
    const small = homeView([card(1, 3), card(2, 3)]);
    expect(homeViewProblems(small)).toEqual([]);
    expect(small.type).toBe('home');
    // Too many rows for one block each: buttons fold into overflow menus, then the rest is summarised.
    const folded = homeView([card(1, 30), card(2, 30), card(3, 30)]);
    expect(homeViewProblems(folded)).toEqual([]);
    expect((folded.blocks as { accessory?: { type: string } }[]).filter((x) => x.accessory?.type === 'overflow')).toHaveLength(90);
    const big = homeView([card(1, 40), card(2, 40), card(3, 40)]);
    expect(homeViewProblems(big)).toEqual([]);
    const blocks = big.blocks as { type: string; elements?: { text: string }[] }[];
    expect(blocks.length).toBeLessThanOrEqual(100);
    expect(blocks.at(-1)!.elements![0]!.text).toContain('未顯示');
  });
});
