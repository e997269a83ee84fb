import { beforeAll, describe, expect, it } from 'vitest';
import {
  INTAKE_KEYS,
  KNOWN_CLOCK_IDS,
  MAX_ITEM_KEY_LENGTH,
  MAX_LABEL_LENGTH,
  UnknownPlaybookError,
  itemApplies,
  loadPlaybookLibrary,
  type PlaybookLibrary,
  type ResolvedPlaybook,
} from '../../../src/core/playbooks/index.js';

const VARIANTS = ['misdirected-message', 'shared-roster', 'form-responses', 'public-video', 'lost-media', 'hacked-system'];

/** 臺北市政府政風處個人資料保護管理要點第43點 item number → the general item that carries it. */
const PT43_ITEMS: Record<number, string> = {
  1: 'stop-leak',
  2: 'save-intact-data',
  3: 'start-fallback',
  4: 'initial-cause',
  5: 'assess-scope',
  6: 'check-safeguards',
  7: 'record-timeline',
  8: 'preserve-evidence',
  9: 'repair-plan',
  10: 'alert-other-units',
  11: 'call-experts',
  12: 'refer-police',
  13: 'public-notice',
};

const pt43Numbers = (basis: string) => [...basis.matchAll(/臺北市政府政風處個人資料保護管理要點第43點第(\d+)款/g)].map((m) => Number(m[1]));

const keys = (p: ResolvedPlaybook) => p.checklist.map((i) => i.key);
const item = (p: ResolvedPlaybook, key: string) => {
  const found = p.checklist.find((i) => i.key === key);
  if (!found) throw new Error(`${p.id} has no item ${key}`);
  return found;
};

let lib: PlaybookLibrary;
beforeAll(() => {
  lib = loadPlaybookLibrary();
});

describe('the playbook files of this project', () => {
  it('all load: general first, then every scenario variant in intake order', () => {
    expect(lib.list().map((p) => p.id)).toEqual(['general', ...VARIANTS]);
    expect(lib.general.id).toBe('general');
    expect(lib.general.extends).toBeUndefined();
    for (const id of VARIANTS) {
      const p = lib.get(id);
      expect(p.extends).toBe('general');
      expect(p.title.length).toBeGreaterThan(0);
      expect(p.description).not.toMatch(/\n/);
      expect(p.detect.length).toBeGreaterThan(0);
    }
  });

  it('throws a typed error naming the known playbooks for an unknown id', () => {
    expect(() => lib.get('flood')).toThrow(UnknownPlaybookError);
    expect(() => lib.get('flood')).toThrow(/general.*hacked-system/);
  });

  it('keeps keys short enough for button payloads and titles short enough for phone buttons', () => {
    for (const p of lib.list()) {
      for (const i of p.checklist) {
        expect(i.key).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
        expect(i.key.length).toBeLessThanOrEqual(MAX_ITEM_KEY_LENGTH);
        expect([...i.title].length).toBeLessThanOrEqual(MAX_LABEL_LENGTH);
        expect(i.basis.length).toBeGreaterThan(0);
      }
      expect(new Set(keys(p)).size).toBe(p.checklist.length);
    }
  });

  it('refers only to clock ids of legal-rules.md', () => {
    for (const p of lib.list()) {
      for (const i of p.checklist) {
        for (const c of [i.clock, i.completesClock]) if (c) expect(KNOWN_CLOCK_IDS).toContain(c);
      }
    }
  });
});

describe('general playbook', () => {
  it('has all 13 containment measures of 第43點, each with its own 款 and the 4-hour clock', () => {
    const byMeasure = new Map<number, string[]>();
    for (const i of lib.general.checklist) {
      for (const n of pt43Numbers(i.basis)) byMeasure.set(n, [...(byMeasure.get(n) ?? []), i.key]);
    }
    expect([...byMeasure.keys()].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    for (const [n, key] of Object.entries(PT43_ITEMS)) {
      expect(byMeasure.get(Number(n))).toEqual([key]);
      expect(item(lib.general, key).clock).toBe('contain-4h');
    }
  });

  it('has the duties of 私立學校安全維護計畫實施辦法第13條第2項', () => {
    const art13 = (n: number) =>
      lib.general.checklist
        .filter((i) => i.basis.includes(`私立高級中等以下學校及幼兒園個人資料檔案安全維護計畫實施辦法第13條第2項第${n}款`))
        .map((i) => i.key);
    expect(art13(1)).toEqual(['control-harm']);
    expect(art13(2)).toEqual(['investigate', 'notify-subjects']);
    expect(art13(3)).toEqual(['improvement-plan']);
  });

  it('has the reporting steps, each completing its clock', () => {
    const completes = Object.fromEntries(lib.general.checklist.filter((i) => i.completesClock).map((i) => [i.key, i.completesClock]));
    expect(completes).toEqual({
      'report-window': 'report-window-4h',
      'cyber-report': 'cyber-1h',
      'bureau-report': 'bureau-3d',
      'notify-subjects': 'subjects-notify',
      'cyber-recover': 'cyber-recover',
      'cyber-final-report': 'cyber-report-1m',
      'closure-report': 'closure-1m',
    });
    expect(item(lib.general, 'report-window').basis).toContain('第45點');
    expect(item(lib.general, 'bureau-report').basis).toContain('第13條第3項');
    expect(item(lib.general, 'closure-report').basis).toContain('第13條第3項');
    expect(item(lib.general, 'notify-subjects').basis).toContain('個人資料保護法第12條');
  });

  it('puts the worst-day steps first: stop the leak, then report, before assessing and reviewing', () => {
    const order = keys(lib.general);
    const pos = (k: string) => order.indexOf(k);
    expect(order[0]).toBe('stop-leak');
    expect(order[1]).toBe('report-window');
    expect(pos('cyber-report')).toBeLessThan(pos('assess-scope'));
    expect(pos('preserve-evidence')).toBeLessThan(pos('repair-plan'));
    expect(pos('brief-principal')).toBeLessThan(pos('refer-police'));
    expect(pos('investigate')).toBeLessThan(pos('notify-subjects'));
    expect(pos('improvement-plan')).toBeLessThan(pos('closure-report'));
    expect(order.at(-1)).toBe('archive-records');
  });

  it('shows the cyber items only when an information system is involved (and while that is unknown)', () => {
    const cyber = ['cyber-report', 'cyber-recover', 'cyber-final-report'];
    const applying = (facts: Record<string, unknown>) => lib.general.checklist.filter((i) => itemApplies(i, facts)).map((i) => i.key);
    for (const k of cyber) {
      expect(item(lib.general, k).when).toEqual({ fact: 'involvesSystem', equals: true });
      expect(applying({ involvesSystem: false, suspectedCrime: false })).not.toContain(k);
      expect(applying({ involvesSystem: true })).toContain(k);
      expect(applying({})).toContain(k);
    }
    expect(applying({ involvesSystem: false, suspectedCrime: false })).not.toContain('refer-police');
    expect(applying({ involvesSystem: false, suspectedCrime: false })).toHaveLength(lib.general.checklist.length - 4);
  });

  it('declares the suspectedCrime fact its conditions use', () => {
    expect(lib.general.facts.map((f) => f.key)).toEqual(['suspectedCrime']);
    expect(lib.general.facts[0]!.question).toMatch(/？$/);
  });

  it('never allows "not applicable" for stopping the leak or the internal report', () => {
    expect(item(lib.general, 'stop-leak').naAllowed).toBe(false);
    expect(item(lib.general, 'report-window').naAllowed).toBe(false);
    expect(item(lib.general, 'public-notice').naAllowed).toBe(true);
  });
});

describe('scenario variants', () => {
  /** [variant, new item, where, general item]. */
  const placements: [string, string, 'after' | 'before', string][] = [
    ['form-responses', 'lock-response-sheet', 'after', 'stop-leak'],
    ['form-responses', 'estimate-viewers', 'before', 'assess-scope'],
    ['form-responses', 'delete-old-responses', 'before', 'improvement-plan'],
    ['shared-roster', 'check-access-log', 'before', 'assess-scope'],
    ['shared-roster', 'review-share-defaults', 'before', 'improvement-plan'],
    ['public-video', 'remove-reuploads', 'after', 'stop-leak'],
    ['public-video', 'student-privacy-guide', 'before', 'improvement-plan'],
    ['misdirected-message', 'list-recipients', 'after', 'stop-leak'],
    ['misdirected-message', 'confirm-deletion', 'after', 'list-recipients'],
    ['misdirected-message', 'send-safeguards', 'before', 'improvement-plan'],
    ['lost-media', 'reset-device-accounts', 'after', 'stop-leak'],
    ['lost-media', 'inventory-lost-items', 'before', 'assess-scope'],
    ['hacked-system', 'set-cyber-level', 'before', 'cyber-report'],
    ['hacked-system', 'emergency-meeting', 'after', 'cyber-report'],
  ];

  it.each(placements)('%s puts %s %s %s', (variant, key, where, anchor) => {
    const order = keys(lib.get(variant));
    const at = order.indexOf(key);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(order[where === 'after' ? at - 1 : at + 1]).toBe(anchor);
    expect(item(lib.get(variant), key).source).toBe(variant);
  });

  it.each(VARIANTS)('%s keeps the general items in their order and adds its own', (id) => {
    const variant = lib.get(id);
    const general = keys(lib.general);
    const kept = keys(variant).filter((k) => general.includes(k));
    expect(kept).toEqual(general.filter((k) => kept.includes(k)));
    expect(variant.checklist.length).toBeGreaterThan(kept.length);
  });

  it.each(VARIANTS)('%s still has all 13 measures of 第43點 and completes every clock general completes', (id) => {
    const variant = lib.get(id);
    const measures = new Set(variant.checklist.flatMap((i) => pt43Numbers(i.basis)));
    expect([...measures].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    const clocks = (p: ResolvedPlaybook) => new Set(p.checklist.map((i) => i.completesClock).filter(Boolean));
    expect(clocks(variant)).toEqual(clocks(lib.general));
  });

  it('hacked-system replaces the repair plan in place and presumes an information system and a crime', () => {
    const hacked = lib.get('hacked-system');
    expect(keys(hacked)).not.toContain('repair-plan');
    const before = keys(lib.general)[keys(lib.general).indexOf('repair-plan') - 1];
    expect(keys(hacked)[keys(hacked).indexOf('patch-and-restore') - 1]).toBe(before);
    expect(item(hacked, 'patch-and-restore').ownerRole).toBe('it');
    expect(hacked.defaults).toEqual({ involvesSystem: true, suspectedCrime: true });
    expect(itemApplies(item(hacked, 'cyber-report'), hacked.defaults)).toBe(true);
  });

  it('overrides only the wording of general items, keeping their legal basis and clock', () => {
    const form = item(lib.get('form-responses'), 'stop-leak');
    expect(form.detail).toContain('顯示摘要圖表和其他作答內容');
    expect(form.source).toBe('form-responses');
    expect(form.basis).toBe(item(lib.general, 'stop-leak').basis);
    expect(form.clock).toBe('contain-4h');
    expect(item(lib.get('misdirected-message'), 'stop-leak').detail).toContain('收回');
    expect(item(lib.get('public-video'), 'stop-leak').detail).toContain('私人');
    expect(item(lib.get('hacked-system'), 'preserve-evidence').ownerRole).toBe('it');
    expect(item(lib.general, 'stop-leak').source).toBe('general');
  });

  it('public-video asks for deleting offline copies after grading (新北市教育局函)', () => {
    const del = item(lib.get('public-video'), 'delete-after-grading');
    expect(del.detail).toContain('離線備份');
    expect(del.basis).toContain('新北教研資字第1132228664號');
  });

  it('only hacked-system presumes an information system', () => {
    for (const id of VARIANTS.filter((v) => v !== 'hacked-system')) expect(lib.get(id).defaults.involvesSystem).toBeUndefined();
  });
});

describe('data categories', () => {
  it('flags exactly the special categories of 個資法第6條 and gives them the highest severity', () => {
    const special = lib.categories.filter((c) => c.special);
    expect(special.map((c) => c.label)).toEqual(['病歷', '醫療', '基因', '性生活', '健康檢查', '犯罪前科']);
    for (const c of special) {
      expect(c.severity).toBe('special');
      expect(c.basis).toContain('第6條');
    }
  });

  it('flags the biometric data of the MOE guideline as at least high', () => {
    const bio = lib.categories.filter((c) => c.biometric);
    expect(bio.map((c) => c.key)).toEqual(['fingerprint', 'face', 'iris', 'voice', 'palm', 'vein']);
    for (const c of bio) expect(c.severity).toBe('high');
  });

  it('covers the 個資法第2條 list and the school records', () => {
    const labels = lib.categories.map((c) => c.label);
    for (const l of [
      '姓名',
      '出生年月日',
      '身分證字號',
      '護照號碼',
      '指紋',
      '婚姻',
      '聯絡方式',
      '財務狀況',
      '社會活動',
      '成績',
      '學習紀錄',
      '學籍資料',
      '學生照片或影片',
      '其他可識別資料',
    ]) {
      expect(labels).toContain(l);
    }
    for (const c of lib.categories) {
      expect([...c.label].length).toBeLessThanOrEqual(MAX_LABEL_LENGTH);
      expect(lib.categoryGroups.map((g) => g.key)).toContain(c.group);
      expect(c.groupLabel.length).toBeGreaterThan(0);
    }
  });

  it('looks categories up by key and ranks the severity of a selection', () => {
    expect(lib.category('healthExam')?.special).toBe(true);
    expect(lib.category('nope')).toBeUndefined();
    expect(lib.severityOf([])).toBe('normal');
    expect(lib.severityOf(['name', 'contact'])).toBe('normal');
    expect(lib.severityOf(['name', 'nationalId'])).toBe('high');
    expect(lib.severityOf(['face', 'healthExam', 'name'])).toBe('special');
    expect(lib.severityOf(['unknown-key'])).toBe('normal');
  });
});

describe('intake fields', () => {
  it('are exactly the fields of the internal report', () => {
    expect(lib.intake.map((f) => f.key).sort()).toEqual([...INTAKE_KEYS].sort());
    for (const f of lib.intake) {
      expect(f.question).not.toMatch(/\n/);
      expect(f.help).toMatch(/^例/);
      expect(f.basis.length).toBeGreaterThan(0);
    }
  });

  it('offers every playbook as a scenario, with 「其他」 selecting general', () => {
    const scenario = lib.intake.find((f) => f.key === 'scenario')!;
    expect(scenario.type).toBe('select');
    expect(scenario.options!.map((o) => o.value)).toEqual([...VARIANTS, 'general']);
    expect(scenario.options!.at(-1)!.label).toBe('其他');
  });

  it('fills the category options from categories.yaml, with their group', () => {
    const categories = lib.intake.find((f) => f.key === 'categories')!;
    expect(categories.type).toBe('multiselect');
    expect(categories.optionsFrom).toBe('categories');
    expect(categories.options!.map((o) => o.value)).toEqual(lib.categories.map((c) => c.key));
    expect(categories.options!.find((o) => o.value === 'iris')!.group).toBe('生物特徵');
  });

  it('warns on every free-text field not to paste the leaked data', () => {
    for (const f of lib.intake) {
      if (f.type === 'text' || f.type === 'textarea') {
        expect(f.warning).toBe(lib.intakeWarning);
        expect(f.maxLength).toBeGreaterThan(0);
      } else {
        expect(f.warning).toBeUndefined();
      }
    }
    expect(lib.intakeWarning).toContain('不要貼上');
  });

  it('has the answer shapes the conversation engine expects', () => {
    const field = (k: string) => lib.intake.find((f) => f.key === k)!;
    expect(field('awareAt')).toMatchObject({ type: 'datetime', default: 'now' });
    expect(field('occurredAt')).toMatchObject({ type: 'datetime', approximate: true });
    expect(field('occurredAt').question).toContain('大約即可');
    // An estimate, required (seed 004 pt. 45): a number, a range, 約…, or 尚不清楚 with how it is found out.
    expect(field('affectedEstimate')).toMatchObject({ type: 'headcount', required: true });
    expect(field('involvesSystem').type).toBe('boolean');
    expect(field('stepsTaken').suggestions).toContain('尚未處置');
    expect(field('affectedKinds').options!.map((o) => o.value)).toEqual(['students', 'guardians', 'staff', 'others']);
  });
});
