import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { DEFAULT_CLOCK_RULES_FILE, UnknownClockSettingError, loadClockRules, resolveEnabled } from '../../../src/core/clocks/rules.js';
import { DataFileError } from '../../../src/core/data/yaml-file.js';

const rules = loadClockRules();

describe('playbooks/clocks.yaml', () => {
  it('holds every clock of legal-rules.md §1', () => {
    expect(rules.clocks.map((c) => c.id)).toEqual([
      'contain-4h',
      'report-window-4h',
      'bureau-3d',
      'closure-1m',
      'subjects-notify',
      'cyber-1h',
      'cyber-recover',
      'cyber-report-1m',
      'pdpa2025-notify-72h',
      'pdpa2025-report-72h',
      'records-5y',
    ]);
  });

  it('gives each clock its trigger and period', () => {
    const by = (id: string) => rules.clocks.find((c) => c.id === id);
    expect(by('bureau-3d')).toMatchObject({ trigger: 'occurrence', period: { amount: 3, unit: 'days' }, actor: 'school' });
    expect(by('closure-1m')).toMatchObject({ trigger: 'handlingEnded', period: { amount: 1, unit: 'months' } });
    expect(by('contain-4h')).toMatchObject({ trigger: 'awareness', period: { amount: 4, unit: 'hours' }, actor: 'unit' });
    expect(by('report-window-4h')?.period).toEqual({ amount: 4, unit: 'hours' });
    expect(by('subjects-notify')).toMatchObject({ trigger: 'breachConfirmed', kind: 'ongoing', period: { unit: 'none' } });
    expect(by('cyber-report-1m')).toMatchObject({ trigger: 'recovered', period: { amount: 1, unit: 'months' } });
    expect(by('records-5y')).toMatchObject({ kind: 'retention', period: { amount: 5, unit: 'years' } });
  });

  it('cites a legal basis with its source for every clock', () => {
    for (const c of rules.clocks) {
      expect(c.basis.length).toBeGreaterThan(0);
      for (const b of c.basis) expect(rules.sources[b.source]).toBeDefined();
    }
    expect(rules.clocks.find((c) => c.id === 'bureau-3d')?.basis[0]).toMatchObject({ article: '第13條第3項', source: 'seed-002' });
    expect(rules.sources['seed-002']?.seed).toBe('002');
  });

  it('ships draft and uncertain rules switched off by default', () => {
    for (const c of rules.clocks.filter((x) => x.legalStatus !== 'in-force')) {
      expect(c.defaultEnabled, c.id).toBe(false);
      expect(c.statusNote.length).toBeGreaterThan(0);
    }
    expect(rules.clocks.find((c) => c.id === 'pdpa2025-report-72h')?.legalStatus).toBe('draft');
  });

  it('defines the pdpa2025-report-72h thresholds as data', () => {
    const t = rules.clocks.find((c) => c.id === 'pdpa2025-report-72h')?.thresholds;
    expect(t?.any?.map((l) => [l.fact, l.equals ?? l.atLeast])).toEqual([
      ['specialCategories', true],
      ['recordsAffected', 100],
      ['systemRecordsHeld', 10000],
    ]);
  });
});

describe('profiles', () => {
  it('default to private-school with draft clocks off', () => {
    const on = resolveEnabled(rules);
    expect(rules.defaultProfile).toBe('private-school');
    expect(on.get('bureau-3d')).toBe(true);
    expect(on.get('pdpa2025-notify-72h')).toBe(false);
    expect(on.get('pdpa2025-report-72h')).toBe(false);
    expect(on.get('cyber-recover')).toBe(false);
  });

  it('pdpa-2025-draft turns the 72-hour rules on and keeps the rest of private-school', () => {
    const on = resolveEnabled(rules, 'pdpa-2025-draft');
    expect(on.get('pdpa2025-notify-72h')).toBe(true);
    expect(on.get('pdpa2025-report-72h')).toBe(true);
    expect(on.get('cyber-recover')).toBe(false);
  });

  it('public-school-pdpa-2025-draft inherits the public-school switches', () => {
    const on = resolveEnabled(rules, 'public-school-pdpa-2025-draft');
    expect(on.get('cyber-recover')).toBe(true);
    expect(on.get('cyber-report-1m')).toBe(true);
    expect(on.get('pdpa2025-report-72h')).toBe(true);
  });

  it('explicit overrides win over the profile', () => {
    const on = resolveEnabled(rules, 'pdpa-2025-draft', { 'pdpa2025-notify-72h': false, 'bureau-3d': false });
    expect(on.get('pdpa2025-notify-72h')).toBe(false);
    expect(on.get('bureau-3d')).toBe(false);
  });

  it('reject unknown profiles and clock ids with a message listing the known ones', () => {
    expect(() => resolveEnabled(rules, 'nope')).toThrow(UnknownClockSettingError);
    expect(() => resolveEnabled(rules, 'nope')).toThrow(/Known profiles: private-school, public-school/);
    expect(() => resolveEnabled(rules, undefined, { 'bureau-4d': true })).toThrow(/Unknown clock id "bureau-4d"/);
  });
});

describe('bad clock rule files', () => {
  /** Write a copy of the real rules with one change, and return the DataFileError loading it raises. */
  function faultAfter(change: (doc: ReturnType<typeof parseDocument>) => void, raw?: string): DataFileError {
    const file = join(mkdtempSync(join(tmpdir(), 'clocks-')), 'clocks.yaml');
    const doc = parseDocument(readFileSync(DEFAULT_CLOCK_RULES_FILE, 'utf8'));
    change(doc);
    writeFileSync(file, raw ?? doc.toString());
    try {
      loadClockRules(file);
    } catch (err) {
      if (err instanceof DataFileError) {
        expect(err.file).toBe(file);
        expect(err.message.startsWith(file)).toBe(true);
        return err;
      }
      throw err;
    }
    throw new Error('expected a DataFileError');
  }

  it('names an unknown clock id in a profile', () => {
    const err = faultAfter((doc) => doc.setIn(['profiles', 1, 'overrides', 'bureau-4d'], true));
    expect(err.faults).toContain('profiles.1.overrides.bureau-4d: unknown clock id "bureau-4d"');
  });

  it('names a wrong period unit', () => {
    const err = faultAfter((doc) => doc.setIn(['clocks', 0, 'period', 'unit'], 'weeks'));
    expect(err.faults.join('\n')).toMatch(/^clocks\.0\.period\.unit: .*hours/m);
  });

  it('names a duplicated clock id, an unknown role and an unknown source', () => {
    const err = faultAfter((doc) => {
      doc.setIn(['clocks', 1, 'id'], 'contain-4h');
      doc.setIn(['clocks', 2, 'actor'], 'janitor');
      doc.setIn(['clocks', 3, 'basis', 0, 'source'], 'seed-999');
    });
    expect(err.faults).toContain('clocks.1.id: clock id "contain-4h" is used twice');
    expect(err.faults.join('\n')).toContain('clocks.2.actor: unknown role "janitor"');
    expect(err.faults.join('\n')).toContain('clocks.3.basis.0.source: unknown source "seed-999"');
  });

  it('names a missing legal basis and a missing amount', () => {
    const err = faultAfter((doc) => {
      doc.setIn(['clocks', 0, 'basis'], []);
      doc.deleteIn(['clocks', 2, 'period', 'amount']);
    });
    expect(err.faults.join('\n')).toContain('clocks.0.basis: every clock needs its legal basis');
    expect(err.faults.join('\n')).toContain('clocks.2.period.amount: a period in days needs an amount of at least 1');
  });

  it('names profiles that extend each other in a loop and an unknown default profile', () => {
    const err = faultAfter((doc) => {
      doc.setIn(['profiles', 0, 'extends'], 'pdpa-2025-draft');
      doc.set('defaultProfile', 'kindergarten');
    });
    expect(err.faults.join('\n')).toMatch(/profiles\.\d\.extends: profiles extend each other in a loop/);
    expect(err.faults).toContain('defaultProfile: unknown profile "kindergarten"');
  });

  it('reports YAML syntax errors', () => {
    const err = faultAfter(() => undefined, 'version: 1\nclocks: [\n');
    expect(err.faults[0]).toMatch(/^YAML syntax error/);
  });

  it('allows reminder offsets per clock but checks their shape', () => {
    expect(rules.clocks.find((c) => c.id === 'subjects-notify')?.reminders?.[0]?.every).toEqual({ amount: 1, unit: 'days' });
    const err = faultAfter((doc) => doc.setIn(['clocks', 0, 'reminders'], [{ before: { amount: 1, unit: 'weeks' } }]));
    expect(err.faults.join('\n')).toContain('clocks.0.reminders.0.before.unit');
  });
});
