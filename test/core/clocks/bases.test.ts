import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bindingSources, bindingSourcesOrAll, describeBasisText } from '../../../src/core/clocks/bases.js';
import { loadPlaybookLibrary } from '../../../src/core/playbooks/index.js';
import { loadCalendar } from '../../../src/core/clocks/calendar.js';
import { computeClocks, type ComputedClock } from '../../../src/core/clocks/engine.js';
import { DEFAULT_CLOCK_RULES_FILE, loadClockRules, parseClockRules } from '../../../src/core/clocks/rules.js';
import { DataFileError } from '../../../src/core/data/yaml-file.js';
import { parseLocalDateTime } from '../../../src/core/time/roc.js';

const rules = loadClockRules();
const calendar = loadCalendar();
const facts = {
  occurredAt: parseLocalDateTime('2026-11-05 10:00')!,
  awareAt: parseLocalDateTime('2026-11-05 15:00')!,
  involvesSystem: true,
  specialCategories: false,
};
const clocks = (profile: string): Map<string, ComputedClock> =>
  new Map(computeClocks(rules, facts, { calendar, profile }).map((c) => [c.id, c]));

const PRIVATE_REG = '私立高級中等以下學校及幼兒園個人資料檔案安全維護計畫實施辦法';
const TAIPEI = '臺北市政府政風處個人資料保護管理要點';
const NANTOU = '南投縣立中興國中個人資料保護管理要點';

describe('the rules that bind the school, and the practice it adopts', () => {
  it('each shipped profile names its kind of school and the sources that bind it', () => {
    const kinds = Object.fromEntries(rules.profiles.map((p) => [p.id, p.schoolKind]));
    expect(kinds).toEqual({
      'private-school': 'private',
      'public-school': 'public',
      'pdpa-2025-draft': 'private',
      'public-school-pdpa-2025-draft': 'public',
    });
    expect([...bindingSources(rules, 'private-school')!]).toContain('seed-002');
    expect([...bindingSources(rules, 'public-school')!]).not.toContain('seed-002');
    // A Taipei City office's rules and a Nantou school's rules bind no other school, public or private.
    for (const p of rules.profiles) {
      const b = bindingSources(rules, p.id)!;
      expect(b.has('seed-003') || b.has('seed-004'), p.id).toBe(false);
      expect(b.has('pdpa'), p.id).toBe(true);
    }
    // A profile that extends another inherits what binds it.
    expect(bindingSources(rules, 'public-school-pdpa-2025-draft')).toEqual(bindingSources(rules, 'public-school'));
  });

  it('private school: the notice duty cites the law and the private-school regulation, the others as practice', () => {
    const c = clocks('private-school').get('subjects-notify')!;
    expect(c.basis).toBe(
      `個人資料保護法第12條；個人資料保護法施行細則第22條；${PRIVATE_REG}第13條第2項第2款；參考${NANTOU}第14點、${TAIPEI}第44點之作法`,
    );
    expect(c.bases.filter((b) => !b.binding).map((b) => b.source)).toEqual(['seed-003', 'seed-004']);
    expect(c.basisShort).toBe('個資法第12條、個資法施行細則第22條、私校個資安全維護辦法第13條第2項第2款（另參考2項作法）');
    expect(clocks('private-school').get('bureau-3d')!.basis).toBe(`${PRIVATE_REG}第13條第3項`);
  });

  it('public school: the private-school regulation is practice, never the basis; the cyber rules bind', () => {
    const map = clocks('public-school');
    const bureau = map.get('bureau-3d')!;
    expect(bureau.enabled).toBe(true);
    expect(bureau.basis).toBe(`參考${PRIVATE_REG}第13條第3項之作法`);
    expect(bureau.bases.every((b) => !b.binding)).toBe(true);
    expect(bureau.basisShort).toBe('參考私校個資安全維護辦法第13條第3項之作法');
    expect(map.get('closure-1m')!.basis).toMatch(/^參考/);
    const notify = map.get('subjects-notify')!;
    expect(notify.basis).toBe(
      `個人資料保護法第12條；個人資料保護法施行細則第22條；參考${PRIVATE_REG}第13條第2項第2款、${NANTOU}第14點、${TAIPEI}第44點之作法`,
    );
    expect(map.get('cyber-1h')!.basis).toBe('資通安全事件通報應變及演練辦法第6條');
    // The Taipei office's 4-hour rule binds neither kind of school.
    expect(map.get('contain-4h')!.basis).toBe(`參考${TAIPEI}第43點之作法`);
    expect(clocks('private-school').get('contain-4h')!.basis).toBe(`參考${TAIPEI}第43點之作法`);
  });

  it('a rule set whose profiles name no binding sources shows every basis as binding (as before)', () => {
    const text = readFileSync(DEFAULT_CLOCK_RULES_FILE, 'utf8').replace(/^ {4}binds: \[.*\]\n/gm, '');
    const plain = parseClockRules('clocks.yaml', text);
    expect(bindingSources(plain, 'public-school')).toBeNull();
    const c = computeClocks(plain, facts, { calendar, profile: 'public-school' }).find((x) => x.id === 'bureau-3d')!;
    expect(c.basis).toBe(`${PRIVATE_REG}第13條第3項`);
    expect(c.bases[0]!.binding).toBe(true);
  });

  it("a checklist item's basis text follows the same split", () => {
    const text = `資通安全事件通報應變及演練辦法第6條；${TAIPEI}第45點第2項`;
    expect(describeBasisText(rules, text, bindingSources(rules, 'public-school'))).toBe(
      `資通安全事件通報應變及演練辦法第6條；參考${TAIPEI}第45點第2項之作法`,
    );
    expect(describeBasisText(rules, text, bindingSources(rules, 'private-school'))).toBe(
      `參考資通安全事件通報應變及演練辦法第6條、${TAIPEI}第45點第2項之作法`,
    );
    // A law the rules do not know stays as written; a profile no longer defined treats everything as binding.
    expect(describeBasisText(rules, '民法第12條', bindingSources(rules, 'public-school'))).toBe('民法第12條');
    expect(bindingSourcesOrAll(rules, 'gone-profile')).toBeNull();
    // Every shipped item reads sensibly under both kinds: no part is lost, practice is marked.
    for (const p of loadPlaybookLibrary().list()) {
      for (const i of p.checklist) {
        for (const profile of ['public-school', 'private-school']) {
          const out = describeBasisText(rules, i.basis, bindingSources(rules, profile));
          for (const part of i.basis.split('；')) expect(out, `${p.id}/${i.key}`).toContain(part.trim());
          if (i.basis.startsWith(TAIPEI)) expect(out, `${p.id}/${i.key}`).toContain('參考');
        }
      }
    }
  });

  it('a profile naming an unknown source is refused at load', () => {
    const text = readFileSync(DEFAULT_CLOCK_RULES_FILE, 'utf8').replace('binds: [pdpa, seed-002,', 'binds: [pdpa, seed-02,');
    expect(() => parseClockRules('clocks.yaml', text)).toThrow(DataFileError);
    expect(() => parseClockRules('clocks.yaml', text)).toThrow(/profiles\.0\.binds\.1: unknown source "seed-02"/);
  });
});
