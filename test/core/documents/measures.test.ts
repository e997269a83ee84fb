import { describe, expect, it } from 'vitest';
import { buildReport, REPORT_KINDS } from '../../../src/core/documents/model.js';
import { loadPlaybookLibrary } from '../../../src/core/playbooks/index.js';
import { at, item, sampleFacts } from './fixtures.js';

/**
 * Every measure of every scenario playbook reaches the reports (issue #13): the playbook data names the section of
 * each report an item feeds, and the reports are built from that data. For each variant, with its whole checklist
 * worked, every item routed to a report appears there; and every measure the variant adds (containment, assessment,
 * recovery and improvement items) is routed to the closure report at least.
 */

const lib = loadPlaybookLibrary();
const NOW = at('2026-11-23T14:05');
const general = new Set(lib.get('general').checklist.map((i) => i.key));
const variants = lib.list().filter((p) => p.id !== 'general');

const text = (doc: ReturnType<typeof buildReport>) =>
  doc.sections.flatMap((s) => s.fields.flatMap((f) => [f.label, ...f.lines])).join('\n');

describe('measures reach the reports, per playbook variant', () => {
  it('covers every variant', () => {
    expect(variants.map((p) => p.id).sort()).toEqual([
      'form-responses',
      'hacked-system',
      'lost-media',
      'misdirected-message',
      'public-video',
      'shared-roster',
    ]);
  });

  for (const playbook of variants) {
    it(`${playbook.id}: each of its measures appears in the reports the data names`, () => {
      const checklist = playbook.checklist.map((d, n) =>
        item(
          {
            key: d.key,
            title: d.title,
            phase: d.phase,
            state: 'done',
            note: `紀錄${n}`,
            doneAt: at('2026-11-06T10:00'),
            doneByName: '林老師（示範）',
            ...(d.asks?.includes('plannedDate') ? { plannedOn: at('2026-12-31T00:00'), planState: 'doing' as const } : {}),
          },
          playbook.id,
        ),
      );
      const facts = sampleFacts({ checklist, scenarioTitle: playbook.title, involvesSystem: true });
      for (const kind of REPORT_KINDS) {
        const t = text(buildReport(kind, facts, NOW));
        for (const d of playbook.checklist.filter((x) => x.reports?.[kind])) {
          expect(t, `${playbook.id} ${kind}: ${d.key}`).toContain(`・${d.title}：`);
        }
      }
      // The measures this variant brings (not in the general playbook) are all routed to the closure report.
      const own = playbook.checklist.filter((d) => !general.has(d.key) && ['contain', 'assess', 'recover'].includes(d.phase));
      expect(own.length).toBeGreaterThan(0);
      for (const d of own) expect(d.reports?.closure, `${playbook.id}: ${d.key} feeds the closure report`).toBeDefined();
      // Improvement and repair measures are asked for their scheduled date and printed with it.
      const closure = text(buildReport('closure', facts, NOW));
      for (const d of playbook.checklist.filter((x) => x.reports?.closure?.includes('improvement'))) {
        expect(d.asks).toContain('plannedDate');
        expect(closure).toContain(`・${d.title}：中華民國115年12月31日`);
        expect(closure).toContain(`・${d.title}：辦理中`);
      }
    });
  }
});
