import { describe, expect, it } from 'vitest';
import { loadClockRules } from '../../../src/core/clocks/index.js';
import { BASIS_CYBER } from '../../../src/core/documents/model.js';
import { loadPlaybookLibrary } from '../../../src/core/playbooks/index.js';

/**
 * The legal bases named in playbooks/ checked against the sources (issue #13): the cyber 1-hour and 1-month duties
 * under the 2026 資通安全事件通報應變及演練辦法; the audit bar on the 管理人 and the person in charge (私立學校個資安全
 * 維護計畫實施辦法第3條第3項、第16條第2項), not on "the principal"; briefing the principal under 南投縣立中興國中要點第22點,
 * not a definition article.
 */

const lib = loadPlaybookLibrary();
const rules = loadClockRules();
const general = lib.get('general');
const item = (key: string) => general.checklist.find((i) => i.key === key)!;
const CYBER_2026 = '資通安全事件通報應變及演練辦法';

describe('legal bases in the playbook data', () => {
  it('the cyber 1-hour report and the 1-month report are cited under the 2026 regulation, article 6', () => {
    expect(item('cyber-report').basis).toContain(`${CYBER_2026}第6條`);
    expect(item('cyber-final-report').basis.startsWith(`${CYBER_2026}第6條`)).toBe(true);
    expect(item('cyber-recover').basis.startsWith(`${CYBER_2026}第6條`)).toBe(true);
    // The 2021 regulation is no longer cited as the rule itself.
    expect(item('cyber-final-report').basis).not.toMatch(/^資通安全事件通報及應變辦法/);
    for (const id of ['cyber-1h', 'cyber-recover', 'cyber-report-1m']) {
      const first = rules.clocks.find((c) => c.id === id)!.basis[0]!;
      expect([id, first.law, first.article, first.source]).toEqual([id, CYBER_2026, '第6條', 'cyber-2026']);
    }
    expect(BASIS_CYBER.startsWith(`${CYBER_2026}第6條`)).toBe(true);
    // The level comes from the 2026 regulation's article 2.
    expect(lib.get('hacked-system').checklist.find((i) => i.key === 'set-cyber-level')!.basis).toBe(`${CYBER_2026}第2條`);
  });

  it('audit-review: the auditor may be neither the 管理人 nor the person in charge (art. 3 ¶3, art. 16 ¶2)', () => {
    const audit = item('audit-review');
    expect(audit.basis).toBe('私立高級中等以下學校及幼兒園個人資料檔案安全維護計畫實施辦法第3條第3項、第16條第1項、第2項');
    expect(audit.detail).toContain('不得與管理人為同一人');
    expect(audit.detail).toContain('專責人員');
    expect(audit.detail).not.toContain('校長');
  });

  it('brief-principal rests on 南投縣立中興國中要點第22點, not on a definition article', () => {
    const brief = item('brief-principal');
    expect(brief.basis).toBe('南投縣立中興國中個人資料保護管理要點第22點');
    expect(brief.basis).not.toContain('第3條');
    expect(brief.basisNote).toContain('範例');
  });
});
