import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_KEYS } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** `npm run people` as an operator runs it, on an embedded data directory (the product is not running). */
describe('people CLI', { timeout: 120_000 }, () => {
  let t: TestDatabase;
  let dataDir: string;
  const run = (...args: string[]) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/people.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, DATA_DIR: dataDir, DATA_ENCRYPTION_KEYS: TEST_KEYS, LOG_LEVEL: 'silent', DATABASE_URL: '', DEMO_SEED: 'off' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  beforeAll(async () => {
    t = await createTestDatabase();
    dataDir = dirname(t.db.location);
    await t.db.close(); // one process per embedded data directory
  });
  afterAll(async () => t.destroy());

  it('imports the example roster, lists the school and prints a binding code for its contact window', () => {
    const dry = run('import', 'docs/examples/roster.example.yaml', '--dry-run');
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    // The example now also names the school's kind and inquiry e-mail, a work e-mail and an acting approver (代理人).
    expect(dry.stdout).toContain(
      'school tp-example-jh: would create (name: (none) → 臺北市私立範例國民中學; kind: (none) → private; clockProfile: (none) → private-school; contactPhone: (none) → (02)2345-6789 分機 123; contactEmail: (none) → privacy@example-jh.example.edu.tw)',
    );
    expect(dry.stdout).toContain(
      '  李組長 [new]: would create (unit: (none) → 教務處註冊組; email: (none) → registry@example-jh.example.edu.tw; roles: (none) → [staff, contactWindow]; active: (none) → true)',
    );
    expect(dry.stdout).toContain(
      '  周主任 [new]: would create (unit: (none) → 教務處; roles: (none) → [staff, actingApprover]; active: (none) → true)',
    );
    expect(dry.stdout).toMatch(/Dry run, nothing written: 7 to add, 0 to change, 0 to deactivate, 0 unchanged\.\n$/);
    expect(run('list', '--school', 'tp-example-jh')).toMatchObject({
      code: 2,
      stderr: 'No school "tp-example-jh". Known schools: (none: create one with npm run people -- import <roster.yaml>)\n',
    });

    const imported = run('import', 'docs/examples/roster.example.yaml');
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain('7 to add, 0 to change, 0 to deactivate, 0 unchanged.');
    expect(imported.stdout).toContain('npm run people -- code --school tp-example-jh --person <name>');
    expect(run('import', 'docs/examples/roster.example.yaml').stdout).toMatch(
      /school tp-example-jh: unchanged\n(?: {2}.+ \[[\w-]+\]: unchanged\n){7}0 to add, 0 to change, 0 to deactivate, 7 unchanged\.\n$/,
    );

    const listed = run('list', '--school', 'tp-example-jh');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(
      '臺北市私立範例國民中學 (tp-example-jh), private, clock profile private-school, contact phone (02)2345-6789 分機 123, e-mail privacy@example-jh.example.edu.tw',
    );
    expect(listed.stdout).toMatch(/ {2}李組長（教務處註冊組） \[[\w-]+\]: 教職員、個資聯絡窗口; no chat account linked\n/);

    const history = run('history', '--school', 'tp-example-jh');
    expect(history.code).toBe(0);
    expect(history.stdout.trim().split('\n')).toHaveLength(7);
    expect(history.stdout).toMatch(
      /^中華民國\d+年\d+月\d+日 \d\d:\d\d {2}李組長 \[[\w-]+\]: name 李組長; unit 教務處註冊組; email registry@example-jh.example.edu.tw; roles 教職員、個資聯絡窗口; active active {2}\(by 系統管理者（名冊匯入）\)$/m,
    );

    const code = run('code', '--school', 'tp-example-jh', '--person', '李組長');
    expect(code.code).toBe(0);
    expect(code.stdout).toMatch(/^李組長 \([\w-]+\) binding code: \d{6} {2}valid until .+, once\.\n/);
    // The code is on the person's record of changes, by the operator, without the code.
    const printed = /binding code: (\d{6})/.exec(code.stdout)![1]!;
    const after = run('history', '--school', 'tp-example-jh').stdout;
    expect(after).toMatch(
      /^中華民國\d+年\d+月\d+日 \d\d:\d\d {2}李組長 \[[\w-]+\]: binding code issued, valid until 中華民國\d+年\d+月\d+日 \d\d:\d\d {2}\(by 系統管理者（綁定碼指令）\)$/m,
    );
    expect(after).not.toContain(printed);
  });

  it('a bad roster file is refused with every fault and its place, and nothing is written', () => {
    const file = join(dataDir, 'bad-roster.yaml');
    writeFileSync(
      file,
      'school:\n  id: tp-example-jh\n  name: 改名國中\n  contactPhone: call me\npeople:\n  - name: 陳校長\n    roles: [老闆]\n',
    );
    const bad = run('import', file);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe(
      `${file}: \n` +
        '  - school.contactPhone: must be an office telephone number, e.g. "(02)2345-6789 分機 123"\n' +
        '  - people.0.roles.0: unknown role "老闆"; known roles: staff (教職員), contactWindow (個資聯絡窗口), principal (管理人（校長）), actingApprover (代理人（代理管理人核定通知）), auditor (稽核人員), it (資訊組), dataManager (資料管理人)\n' +
        'Nothing was written.\n',
    );
    expect(run('list', '--school', 'tp-example-jh').stdout).toContain('臺北市私立範例國民中學 (tp-example-jh)');
    expect(run('import')).toMatchObject({ code: 2, stderr: expect.stringContaining('usage: npm run people -- import <roster.yaml>') });
    expect(run('import', join(dataDir, 'missing.yaml'))).toMatchObject({
      code: 2,
      stderr: `${join(dataDir, 'missing.yaml')}: cannot read the file (ENOENT)\n`,
    });
  });
});
