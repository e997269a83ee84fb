import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { DataFileError } from '../../../src/core/data/yaml-file.js';
import { DEFAULT_PLAYBOOKS_DIR, KNOWN_CLOCK_IDS, loadPlaybookLibrary } from '../../../src/core/playbooks/index.js';

/** A copy of the project's playbooks/ to break on purpose. */
const dirs: string[] = [];
function copyOfPlaybooks(opts: { withClocks?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'playbooks-'));
  dirs.push(dir);
  for (const f of ['playbooks', 'categories.yaml', 'intake.yaml', 'detection.yaml']) {
    cpSync(join(DEFAULT_PLAYBOOKS_DIR, f), join(dir, f), { recursive: true });
  }
  // Clock ids come from the built-in list unless a test writes its own clocks.yaml.
  if (opts.withClocks) writeClocks(dir, [...KNOWN_CLOCK_IDS]);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

// biome-ignore lint/suspicious/noExplicitAny: the tests edit parsed YAML at any depth to break one field at a time.
type Doc = Record<string, any>;
function edit(dir: string, file: string, change: (doc: Doc) => void): string {
  const path = join(dir, file);
  const doc = parse(readFileSync(path, 'utf8')) as Doc;
  change(doc);
  writeFileSync(path, stringify(doc));
  return path;
}
function writeClocks(dir: string, ids: string[]) {
  writeFileSync(join(dir, 'clocks.yaml'), stringify({ version: 1, clocks: ids.map((id) => ({ id, label: id })) }));
}
function addScenarioOption(dir: string, value: string) {
  edit(dir, 'intake.yaml', (d) => {
    d.fields.find((f: Doc) => f.key === 'scenario').options.unshift({ value, label: value });
  });
}

/** Loads and returns the DataFileError, failing the test if loading succeeds. */
function loadError(dir: string): DataFileError {
  try {
    loadPlaybookLibrary(dir);
  } catch (err) {
    expect(err).toBeInstanceOf(DataFileError);
    return err as DataFileError;
  }
  throw new Error('expected the playbooks to be rejected');
}

const general = (dir: string, change: (doc: Doc) => void) => edit(dir, 'playbooks/general.yaml', change);

describe('faults in a playbook', () => {
  it('loads an unchanged copy (the fixtures start valid)', () => {
    expect(loadPlaybookLibrary(copyOfPlaybooks()).list()).toHaveLength(7);
  });

  it('rejects a duplicate checklist key, at both places', () => {
    const dir = copyOfPlaybooks();
    const file = general(dir, (d) => {
      d.checklist[3].key = 'stop-leak';
    });
    const err = loadError(dir);
    expect(err.file).toBe(file);
    expect(err.faults).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^checklist\.0\.key: checklist key "stop-leak" is used twice/),
        expect.stringMatching(/^checklist\.3\.key: checklist key "stop-leak" is used twice/),
      ]),
    );
  });

  it('rejects a variant item that reuses a general key', () => {
    const dir = copyOfPlaybooks();
    const file = edit(dir, 'playbooks/lost-media.yaml', (d) => {
      d.changes[1].items[0].key = 'report-window';
    });
    const err = loadError(dir);
    expect(err.file).toBe(file);
    expect(err.message).toContain('changes.1.items.0.key: checklist key "report-window" is used twice');
    expect(err.message).toMatch(/also at playbooks[/\\]general\.yaml checklist\.1/);
  });

  it('rejects an unknown extends', () => {
    const dir = copyOfPlaybooks();
    const file = edit(dir, 'playbooks/public-video.yaml', (d) => {
      d.extends = 'generic';
    });
    const err = loadError(dir);
    expect(err.file).toBe(file);
    expect(err.faults).toEqual([expect.stringMatching(/^extends: unknown playbook "generic"; known playbooks: .*general/)]);
  });

  it('rejects circular extends', () => {
    const dir = copyOfPlaybooks();
    edit(dir, 'playbooks/public-video.yaml', (d) => {
      d.extends = 'lost-media';
    });
    edit(dir, 'playbooks/lost-media.yaml', (d) => {
      d.extends = 'public-video';
    });
    expect(loadError(dir).message).toMatch(
      /extends: circular extends: (public-video → lost-media → public-video|lost-media → public-video → lost-media)/,
    );
  });

  it('rejects an unknown clock id (built-in list when there is no clocks.yaml)', () => {
    const dir = copyOfPlaybooks();
    const file = general(dir, (d) => {
      d.checklist[0].clock = 'contain-5h';
    });
    const err = loadError(dir);
    expect(err.file).toBe(file);
    expect(err.faults).toEqual([
      expect.stringMatching(
        /^checklist\.0\.clock: unknown clock id "contain-5h" \(item "stop-leak"\); known clock ids from the built-in list/,
      ),
    ]);
  });

  it('reads the clock ids from playbooks/clocks.yaml when it exists', () => {
    const dir = copyOfPlaybooks();
    writeClocks(
      dir,
      KNOWN_CLOCK_IDS.filter((id) => id !== 'cyber-recover'),
    );
    const err = loadError(dir);
    expect(err.faults).toEqual([
      expect.stringMatching(/^checklist\.\d+\.clock: unknown clock id "cyber-recover" .* from clocks\.yaml/),
      expect.stringMatching(/^checklist\.\d+\.completesClock: unknown clock id "cyber-recover"/),
    ]);

    writeClocks(dir, [...KNOWN_CLOCK_IDS, 'school-rule-2h']);
    general(dir, (d) => {
      d.checklist[0].clock = 'school-rule-2h';
    });
    expect(loadPlaybookLibrary(dir).general.checklist[0]!.clock).toBe('school-rule-2h');
  });

  it('reports a clocks.yaml it cannot read ids from', () => {
    const dir = copyOfPlaybooks();
    writeFileSync(join(dir, 'clocks.yaml'), 'version: 1\nrules: []\n');
    const err = loadError(dir);
    expect(err.file).toBe(join(dir, 'clocks.yaml'));
    expect(err.faults[0]).toContain('expected a list "clocks"');
  });

  it('rejects an unknown owner role', () => {
    const dir = copyOfPlaybooks({ withClocks: true });
    const file = general(dir, (d) => {
      d.checklist[2].ownerRole = 'teacher';
    });
    const err = loadError(dir);
    expect(err.file).toBe(file);
    expect(err.faults).toHaveLength(1);
    expect(err.faults[0]).toMatch(/^checklist\.2\.ownerRole: .*"contactWindow".*"unit"/);
  });

  it('rejects keys too long for button payloads and titles too long for phone buttons', () => {
    const dir = copyOfPlaybooks();
    const file = general(dir, (d) => {
      d.checklist[4].key = 'control-harm-to-the-data-subjects';
      d.checklist[5].title = '評估受影響的個人資料類別以及受影響的人數與範圍';
    });
    const err = loadError(dir);
    expect(err.file).toBe(file);
    expect(err.faults).toEqual([
      expect.stringMatching(/^checklist\.4\.key: must be at most 24 characters: it goes into button payloads/),
      expect.stringMatching(/^checklist\.5\.title: must be at most 20 characters/),
    ]);
  });

  it('rejects a misspelt or missing field of an item', () => {
    const dir = copyOfPlaybooks();
    general(dir, (d) => {
      d.checklist[0].detial = d.checklist[0].detail;
      delete d.checklist[0].detail;
      delete d.checklist[1].naAllowed;
    });
    const err = loadError(dir);
    expect(err.message).toContain('checklist.0: Unrecognized key: "detial"');
    expect(err.message).toContain('checklist.0.detail:');
    expect(err.message).toContain('checklist.1.naAllowed:');
  });

  it('rejects a condition on an unknown fact or with the wrong type', () => {
    const dir = copyOfPlaybooks();
    general(dir, (d) => {
      d.checklist[0].when = { fact: 'isHacked', equals: true };
      d.checklist[1].when = {
        any: [
          { fact: 'involvesSystem', equals: 'yes' },
          { fact: 'categories', includes: 'bloodType' },
        ],
      };
    });
    const err = loadError(dir);
    expect(err.faults).toEqual([
      expect.stringMatching(/^checklist\.0\.when\.fact: unknown fact "isHacked"; known facts: .*suspectedCrime/),
      expect.stringMatching(/^checklist\.1\.when\.any\.0\.equals: "involvesSystem" is boolean/),
      expect.stringMatching(/^checklist\.1\.when\.any\.1\.includes: "bloodType" is not an option of "categories"/),
    ]);
  });

  it('rejects a condition that mixes forms', () => {
    const dir = copyOfPlaybooks();
    general(dir, (d) => {
      d.checklist[0].when = { fact: 'involvesSystem', equals: true, any: [] };
    });
    expect(loadError(dir).message).toContain('checklist.0.when');
  });

  it('rejects a file whose id does not match its name, and a YAML syntax error', () => {
    const dir = copyOfPlaybooks();
    edit(dir, 'playbooks/shared-roster.yaml', (d) => {
      d.id = 'shared-list';
    });
    writeFileSync(join(dir, 'playbooks/lost-media.yaml'), 'id: lost-media\ntitle: [unclosed\n');
    const err = loadError(dir);
    expect(err.file).toBe(dir);
    expect(err.message).toMatch(/playbooks[/\\]shared-roster\.yaml: id: "shared-list" must match the file name "shared-roster"/);
    expect(err.message).toMatch(/playbooks[/\\]lost-media\.yaml: YAML syntax error/);
  });

  it('requires the general playbook', () => {
    const dir = copyOfPlaybooks();
    rmSync(join(dir, 'playbooks/general.yaml'));
    expect(loadError(dir).message).toContain('missing general.yaml');
  });
});

describe('faults in variant changes', () => {
  it('rejects an anchor that is not in the extended checklist', () => {
    const dir = copyOfPlaybooks();
    const file = edit(dir, 'playbooks/public-video.yaml', (d) => {
      d.changes[1].insertAfter = 'stop-the-leak';
    });
    const err = loadError(dir);
    expect(err.file).toBe(file);
    expect(err.faults).toEqual([expect.stringMatching(/^changes\.1\.insertAfter: no item "stop-the-leak" in the checklist of "general"/)]);
  });

  it('rejects a change that is not exactly one operation with its own fields', () => {
    const dir = copyOfPlaybooks();
    const file = edit(dir, 'playbooks/public-video.yaml', (d) => {
      d.changes[0].omit = 'start-fallback';
      d.changes.push({ omit: 'start-fallback' });
      d.changes.push({ replace: 'start-fallback', items: [] });
    });
    const err = loadError(dir);
    expect(err.file).toBe(file);
    expect(err.faults).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^changes\.0: give exactly one of insertBefore, insertAfter, replace, omit, override \(found omit, override\)/,
        ),
        expect.stringMatching(/^changes\.3\.reason: "omit" needs "reason"/),
        expect.stringMatching(/^changes\.4\.items: /),
      ]),
    );
  });

  it('rejects omitting or replacing the only item that completes a clock', () => {
    const dir = copyOfPlaybooks();
    const file = edit(dir, 'playbooks/lost-media.yaml', (d) => {
      d.changes.push({ omit: 'bureau-report', reason: '測試' });
    });
    const err = loadError(dir);
    expect(err.file).toBe(file);
    expect(err.faults).toEqual([
      expect.stringMatching(/^changes\.\d+\.omit: removing "bureau-report" leaves no item that completes clock "bureau-3d"/),
    ]);
  });

  it('rejects defaults for unknown fields, wrong types and unknown options', () => {
    const dir = copyOfPlaybooks();
    const file = edit(dir, 'playbooks/hacked-system.yaml', (d) => {
      d.defaults = { involvesSystem: 'yes', categories: ['name', 'bloodType'], hackerName: 'x', scenario: 'general' };
    });
    const err = loadError(dir);
    expect(err.file).toBe(file);
    expect(err.faults).toEqual([
      expect.stringMatching(/^defaults\.involvesSystem: "involvesSystem" is boolean: give true or false/),
      expect.stringMatching(/^defaults\.categories: "bloodType" is not an option of "categories"/),
      expect.stringMatching(/^defaults\.hackerName: unknown field "hackerName"/),
      expect.stringMatching(/^defaults\.scenario: the scenario is the playbook itself/),
    ]);
  });

  it('rejects a bad detection phrase and a variant without any', () => {
    const dir = copyOfPlaybooks();
    let first = 0;
    edit(dir, 'playbooks/misdirected-message.yaml', (d) => {
      first = d.detect.length;
      d.detect.push('寄錯 + ');
      d.detect.push('寄錯 + 信、郵件');
      d.detect.push('@nosuchlist + 信');
    });
    edit(dir, 'playbooks/public-video.yaml', (d) => {
      d.detect = [];
    });
    const err = loadError(dir);
    expect(err.message).toContain(`misdirected-message.yaml: detect.${first}: part 2 of "寄錯 +" has no words`);
    expect(err.message).toContain(
      `misdirected-message.yaml: detect.${first + 1}: "信、郵件" in "寄錯 + 信、郵件" must be words without punctuation`,
    );
    expect(err.message).toContain(`misdirected-message.yaml: detect.${first + 2}: unknown word list "@nosuchlist"`);
    expect(err.message).toMatch(/public-video\.yaml: detect: a scenario playbook needs "detect" phrases/);
  });

  it('applies insertBefore, insertAfter, replace, omit and override in order', () => {
    const dir = copyOfPlaybooks();
    const newItem = (key: string) => ({
      key,
      title: key,
      publicText: null,
      detail: '測試',
      basis: '測試依據',
      phase: 'contain',
      ownerRole: 'unit',
      naAllowed: true,
    });
    writeFileSync(
      join(dir, 'playbooks/drill.yaml'),
      stringify({
        id: 'drill',
        extends: 'general',
        title: '測試情境',
        description: '測試用情境。',
        detect: ['演習外洩'],
        changes: [
          { insertBefore: 'stop-leak', items: [newItem('first-step')] },
          { insertAfter: 'first-step', items: [newItem('second-step'), newItem('third-step')] },
          { replace: 'start-fallback', item: newItem('fallback-drill') },
          { omit: 'save-intact-data', reason: '測試資料無原始檔' },
          { override: 'stop-leak', title: '測試中斷', ownerRole: 'it' },
        ],
      }),
    );
    addScenarioOption(dir, 'drill');
    const lib = loadPlaybookLibrary(dir);
    const drill = lib.get('drill');
    const order = drill.checklist.map((i) => i.key);
    expect(order.slice(0, 4)).toEqual(['first-step', 'second-step', 'third-step', 'stop-leak']);
    expect(order).not.toContain('save-intact-data');
    expect(order).not.toContain('start-fallback');
    const general = lib.general.checklist.map((i) => i.key);
    expect(order.indexOf('fallback-drill')).toBe(general.indexOf('start-fallback') + 3 - 1);
    expect(drill.checklist[3]).toMatchObject({
      key: 'stop-leak',
      title: '測試中斷',
      ownerRole: 'it',
      source: 'drill',
      basis: lib.general.checklist[0]!.basis,
    });
    expect(lib.general.checklist[0]!.title).toBe('中斷洩漏途徑');
    expect(
      lib
        .list()
        .map((p) => p.id)
        .slice(0, 2),
    ).toEqual(['general', 'drill']);
  });

  it('lets a variant extend another variant', () => {
    const dir = copyOfPlaybooks();
    writeFileSync(
      join(dir, 'playbooks/hacked-website.yaml'),
      stringify({
        id: 'hacked-website',
        extends: 'hacked-system',
        title: '學校網站被竄改',
        description: '學校網站首頁遭竄改。',
        detect: ['首頁被竄改'],
        changes: [{ override: 'set-cyber-level', detail: '網站竄改依影響判定等級。' }],
      }),
    );
    addScenarioOption(dir, 'hacked-website');
    const lib = loadPlaybookLibrary(dir);
    const site = lib.get('hacked-website');
    expect(site.checklist.map((i) => i.key)).toEqual(lib.get('hacked-system').checklist.map((i) => i.key));
    expect(site.defaults).toEqual({ involvesSystem: true, suspectedCrime: true });
    expect(site.checklist.find((i) => i.key === 'set-cyber-level')!.detail).toBe('網站竄改依影響判定等級。');
  });
});

describe('faults in categories, intake and detection files', () => {
  it('rejects a special category without the special severity', () => {
    const dir = copyOfPlaybooks();
    const file = edit(dir, 'categories.yaml', (d) => {
      d.categories.find((c: Doc) => c.key === 'genetic').severity = 'high';
      d.categories.find((c: Doc) => c.key === 'iris').severity = 'normal';
      d.categories.find((c: Doc) => c.key === 'name').group = 'people';
    });
    const err = loadError(dir);
    expect(err.file).toBe(file);
    expect(err.faults).toEqual([
      expect.stringMatching(/^categories\.0\.group: unknown group "people"/),
      expect.stringMatching(/^categories\.\d+\.severity: severity "special" is for, and only for, special categories/),
      expect.stringMatching(/^categories\.\d+\.severity: biometric data is at least severity "high"/),
    ]);
  });

  it('rejects a missing intake field and a field of the wrong type', () => {
    const dir = copyOfPlaybooks();
    const file = edit(dir, 'intake.yaml', (d) => {
      d.fields = d.fields.filter((f: Doc) => f.key !== 'place');
      d.fields.find((f: Doc) => f.key === 'involvesSystem').type = 'text';
    });
    const err = loadError(dir);
    expect(err.file).toBe(file);
    expect(err.message).toMatch(/fields\.\d+\.type: "involvesSystem" must be of type boolean/);
    expect(err.message).toContain('fields: missing intake fields: place');
  });

  it('rejects scenario options that do not match the playbooks', () => {
    const dir = copyOfPlaybooks();
    const file = edit(dir, 'intake.yaml', (d) => {
      const scenario = d.fields.find((f: Doc) => f.key === 'scenario');
      scenario.options = scenario.options.filter((o: Doc) => o.value !== 'lost-media');
      scenario.options.push({ value: 'fire', label: '火災' });
    });
    const err = loadError(dir);
    expect(err.file).toBe(file);
    expect(err.faults).toEqual([
      expect.stringMatching(/^fields\.0\.options\.6\.value: "fire" is not a playbook/),
      expect.stringMatching(/^fields\.0\.options: no option selects playbook "lost-media"/),
    ]);
  });

  it('rejects a categories field that does not take its options from categories.yaml', () => {
    const dir = copyOfPlaybooks();
    edit(dir, 'intake.yaml', (d) => {
      const f = d.fields.find((x: Doc) => x.key === 'categories');
      delete f.optionsFrom;
      f.options = [
        { value: 'name', label: '姓名' },
        { value: 'contact', label: '聯絡方式' },
      ];
    });
    expect(loadError(dir).message).toMatch(/fields\.\d+\.optionsFrom: "categories" takes its options from categories\.yaml/);
  });

  it('rejects detection words with punctuation, people that are not intake options and rules naming unknown lists', () => {
    const dir = copyOfPlaybooks();
    const file = edit(dir, 'detection.yaml', (d) => {
      d.vocabulary.send.push('傳到。');
      d.people.aliens = ['外星人'];
      d.generic.push('@nowhere + 外洩');
    });
    const err = loadError(dir);
    expect(err.file).toBe(file);
    expect(err.message).toMatch(/vocabulary\.send\.\d+: "傳到。" must be words without punctuation/);
    expect(err.message).toContain(
      'people.aliens: "aliens" is not an option of the intake field affectedKinds (students, guardians, staff, others)',
    );
    expect(err.message).toMatch(/generic\.\d+: unknown word list "@nowhere"/);
  });

  it('rejects a category detection word with punctuation', () => {
    const dir = copyOfPlaybooks();
    const file = edit(dir, 'categories.yaml', (d) => {
      d.categories[0].detect = ['姓名、名字'];
    });
    const err = loadError(dir);
    expect(err.file).toBe(file);
    expect(err.faults).toEqual(['categories.0.detect.0: "姓名、名字" must be words without punctuation']);
  });

  it('rejects a detection file without generic phrases', () => {
    const dir = copyOfPlaybooks();
    const file = edit(dir, 'detection.yaml', (d) => {
      d.generic = [];
      d.negatorWindow = 99;
    });
    const err = loadError(dir);
    expect(err.file).toBe(file);
    expect(err.faults.map((f) => f.split(':')[0])).toEqual(['generic', 'negatorWindow']);
  });

  it('names every faulty file when several are wrong', () => {
    const dir = copyOfPlaybooks();
    general(dir, (d) => {
      d.checklist[0].phase = 'panic';
    });
    edit(dir, 'categories.yaml', (d) => {
      d.categories[0].severity = 'extreme';
    });
    const err = loadError(dir);
    expect(err.file).toBe(dir);
    expect(err.message).toMatch(/categories\.yaml: categories\.0\.severity:/);
    expect(err.message).toMatch(/playbooks[/\\]general\.yaml: checklist\.0\.phase:/);
  });
});
