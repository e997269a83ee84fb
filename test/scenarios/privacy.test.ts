import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TextMessage } from '../../src/ports/chat-model.js';
import { isEncrypted } from '../../src/core/privacy/cipher.js';
import { readTimeline } from '../../src/core/timeline/timeline.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { cards, forms, texts } from '../helpers/local-client.js';
import { latestCard, taipeiInput } from '../helpers/scenario.js';

/**
 * Personal data typed into the chat (a national ID, a phone number, an e-mail address, a date of birth) is masked
 * before anything is stored: not in the chat history, not in the incident, not in prompts, notes or the timeline,
 * neither in clear columns nor inside the encrypted ones. The person is told what was masked.
 */

// Valid values (the ID passes its checksum), typed as people type them.
const RAW = {
  nationalId: 'F131104093',
  mobile: '0912-345-678',
  email: 'chen.xiaomei@example.com',
  birth: '2012/03/15',
  birthWords: '2012年3月15日',
  landline: '02-2345-6789',
  email2: 'chen.family@example.net',
};
/** Every form in which a raw value could have been kept (with and without separators). */
const NEEDLES = [
  ...Object.values(RAW),
  'F131104093'.toLowerCase(),
  '0912345678',
  '912345678',
  '0912 345 678',
  'chen.xiaomei',
  'chen.family',
  '20120315',
  '2012-03-15',
  '23456789',
  '2345-6789',
];

const TOKENS = ['［身分證號已遮蔽］', '［電話號碼已遮蔽］', '［電子郵件已遮蔽］', '［出生日期已遮蔽］'];

function leaks(text: string): string[] {
  const lower = text.toLowerCase();
  return NEEDLES.filter((n) => lower.includes(n.toLowerCase()));
}

describe('personal data typed into the chat is stored masked', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const pasted = `糟糕，學生資料外洩了：身分證 ${RAW.nationalId}、手機 ${RAW.mobile}、信箱 ${RAW.email}、出生日期 ${RAW.birth}`;
  let ref = '';

  it('a message with an ID, a phone, an e-mail and a birth date is kept masked, and the person is told', async () => {
    const r = await t.client.raw('POST', '/local/api/conversations/demo-staff/messages', { as: 'demo-teacher', text: pasted });
    expect(r.status).toBe(200);
    const posted = r.body.posted!.body as TextMessage;
    expect(leaks(posted.text)).toEqual([]);
    for (const token of TOKENS) expect(posted.text).toContain(token);
    expect(posted.text).toMatch(/^糟糕，學生資料外洩了：身分證 ［身分證號已遮蔽］/);

    const notice = texts(r.body.replies!)[0]!;
    expect(notice).toMatch(/^為了保護當事人，您訊息中的個資已自動遮蔽：/);
    for (const kind of ['身分證號 1 筆', '電話號碼 1 筆', '電子郵件地址 1 筆', '出生日期 1 筆']) expect(notice).toContain(kind);
    expect(leaks(JSON.stringify(r.body))).toEqual([]);

    // What everyone in the group sees afterwards is the masked text.
    const history = await t.client.messages('demo-window', 'demo-staff');
    const mine = history.filter((m) => m.sender.kind === 'user');
    expect(mine.map((m) => (m.body as TextMessage).text)).toEqual([posted.text]);
    expect(mine[0]!.sender.userId).toBe('demo-teacher');
    expect(leaks(JSON.stringify(history))).toEqual([]);
  });

  it('the intake free text is masked, also in a form sent back for corrections', async () => {
    const offer = await t.client.say('demo-teacher', 'demo-staff', '我寄錯信了，學生輔導紀錄寄給別的家長');
    const start = (offer.find((m) => (m.body as TextMessage).quickReplies?.length)!.body as TextMessage).quickReplies![0]!;
    const form = forms(await t.client.press('demo-teacher', 'demo-staff', start.action))[0]!;
    const now = new Date();
    const values = {
      scenario: 'misdirected-message',
      howLeaked: `把陳小美（${RAW.nationalId}，生日 ${RAW.birthWords}）的輔導紀錄寄給 ${RAW.email2}`,
      occurredAt: taipeiInput(new Date(now.getTime() - 5 * 3600_000)),
      awareAt: taipeiInput(new Date(now.getTime() - 3600_000)),
      place: `輔導室（分機電話 ${RAW.landline}）`,
      categories: ['name', 'nationalId', 'contact'],
      affectedEstimate: '1',
      affectedKinds: ['students'],
      involvesSystem: 'false',
      stepsTaken: `已打 ${RAW.mobile} 請對方刪除`,
    };

    // One field wrong: the form comes back with what was typed, masked.
    const corrected = await t.client.submit('demo-teacher', 'dm:demo-teacher', form.formId, { ...values, occurredAt: '前陣子' });
    expect(texts(corrected)[0]).toContain('看不懂「發生時間」的時間');
    const again = forms(corrected)[0]!;
    const initial = Object.fromEntries(again.fields.map((f) => [f.id, f.initial]));
    expect(leaks(JSON.stringify(again))).toEqual([]);
    expect(initial.howLeaked).toBe('把陳小美（［身分證號已遮蔽］，生日 ［出生日期已遮蔽］）的輔導紀錄寄給 ［電子郵件已遮蔽］');
    expect(initial.occurredAt).toBe('前陣子');

    const done = await t.client.submit('demo-teacher', 'dm:demo-teacher', again.formId, values);
    const card = cards(done, 'incident')[0]!;
    ref = /個資事件 (\d{3}-\d{3})/.exec(card.title)![1]!;
    const notice = texts(done.filter((m) => m.conversationId === 'dm:demo-teacher')).find((x) => x.startsWith('為了保護當事人'));
    expect(notice, 'the reporter is told what was masked').toBeTruthy();
    expect(notice).toContain('身分證號 1 筆');
    expect(notice).toContain('電子郵件地址 1 筆');
    expect(leaks(JSON.stringify(done))).toEqual([]);

    const fields = Object.fromEntries(card.sections.flatMap((s) => s.fields ?? []).map((f) => [f.label, f.value]));
    expect(fields.外洩方式).toBe('把陳小美（［身分證號已遮蔽］，生日 ［出生日期已遮蔽］）的輔導紀錄寄給 ［電子郵件已遮蔽］');
    expect(fields.地點).toBe('輔導室（分機電話 ［電話號碼已遮蔽］）');
    expect(fields.已採取措施).toBe('已打 ［電話號碼已遮蔽］ 請對方刪除');
    const incident = await t.app.db.prisma.incident.findFirstOrThrow({ where: { ref } });
    expect(isEncrypted(incident.howLeakedEnc)).toBe(true);
  });

  it('notes, reasons and a correction reason typed by responders are masked', async () => {
    const checklist = await latestCard(t.client, 'demo-window', 'demo-response', 'checklist');
    const rows = checklist.sections.flatMap((s) => s.rows ?? []);
    const stop = rows.find((r) => r.text === '中斷洩漏途徑')!;
    const f = forms(await t.client.press('demo-window', 'demo-response', stop.buttons!.find((b) => b.label === '完成')!.action))[0]!;
    const noted = await t.client.submit('demo-window', 'demo-response', f.formId, {
      note: `已聯絡 ${RAW.email2} 刪除郵件，回電 ${RAW.mobile}`,
    });
    expect(texts(noted)[0]).toMatch(/^為了保護當事人/);
    const after = (await latestCard(t.client, 'demo-window', 'demo-response', 'checklist')).sections.flatMap((s) => s.rows ?? []);
    expect(after.find((r) => r.text === '中斷洩漏途徑')!.detail).toContain(
      '紀錄：已聯絡 ［電子郵件已遮蔽］ 刪除郵件，回電 ［電話號碼已遮蔽］',
    );

    const na = after.find((r) => r.status === 'open' && r.buttons!.some((b) => b.label === '不適用'))!;
    const g = forms(await t.client.press('demo-window', 'demo-response', na.buttons!.find((b) => b.label === '不適用')!.action))[0]!;
    await t.client.submit('demo-window', 'demo-response', g.formId, { note: `當事人 ${RAW.nationalId} 已轉學` });
    const naRow = (await latestCard(t.client, 'demo-window', 'demo-response', 'checklist')).sections
      .flatMap((s) => s.rows ?? [])
      .find((r) => r.text === na.text)!;
    expect(naRow.detail).toContain('不適用（當事人 ［身分證號已遮蔽］ 已轉學）');

    const assess = forms(await t.client.say('demo-window', 'demo-response', `評估 ${ref}`))[0]!;
    const incident = await t.app.db.prisma.incident.findFirstOrThrow({ where: { ref } });
    await t.client.submit('demo-window', 'demo-response', assess.formId, {
      categories: ['name', 'nationalId', 'contact', 'birthDate'],
      studentsCount: '1',
      minorsCount: '1',
      involvesSystem: 'false',
      occurredAt: taipeiInput(new Date(incident.occurredAt.getTime() - 24 * 3600_000)),
      correctionReason: `家長 ${RAW.landline} 來電說前一天就收到`,
    });
    expect((await t.app.db.prisma.incident.findFirstOrThrow({ where: { ref } })).occurredAt.getTime()).toBeLessThan(
      incident.occurredAt.getTime(),
    );
    const correction = (await readTimeline(t.app.deps, incident.id)).find((e) => e.type === 'incident.corrected')!;
    expect((correction.detail as { reason: string }).reason).toBe('家長 ［電話號碼已遮蔽］ 來電說前一天就收到');
  });

  it('no raw value is anywhere in the database, in clear columns or inside the encrypted ones', async () => {
    const sql = t.app.db.sql;
    const columns = await sql.query<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT table_name, column_name, data_type FROM information_schema.columns
        WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'jsonb', 'json', 'ARRAY')
        ORDER BY table_name, ordinal_position`,
    );
    const tables = new Set(columns.map((c) => c.table_name));
    for (const t of ['incident', 'checklist_item', 'timeline_entry', 'pending_prompt', 'local_message', 'inbound_event', 'conversation']) {
      expect(tables, t).toContain(t);
    }
    // Clear text: every text-like column of every table, compared in SQL.
    const hits: string[] = [];
    for (const c of columns) {
      for (const needle of NEEDLES) {
        const [row] = await sql.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM "${c.table_name}" WHERE "${c.column_name}"::text ILIKE $1`,
          [`%${needle}%`],
        );
        if (row!.n > 0) hits.push(`${c.table_name}.${c.column_name} ∋ ${needle}`);
      }
    }
    expect(hits).toEqual([]);
    // The same query does find clear text that is there (so an empty result means something).
    const [control] = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "checklist_item" WHERE "title"::text ILIKE $1`, [
      '%中斷洩漏途徑%',
    ]);
    expect(control!.n).toBe(1);

    // Encrypted columns hold only enc:v1 values; decrypted, they hold no raw value either.
    const aad: Record<string, (row: Record<string, string>) => string> = {
      'incident.how_leaked_enc': (r) => `incident:${r.id}:howLeaked`,
      'incident.place_enc': (r) => `incident:${r.id}:place`,
      'incident.steps_taken_enc': (r) => `incident:${r.id}:stepsTaken`,
      'checklist_item.note_enc': (r) => `incident:${r.incident_id}:checklist:${r.key}`,
      // The reporter's head-count estimate in words and 遲延原因 of a late report (issue #13).
      'incident.affected_estimate_text_enc': (r) => `incident:${r.id}:affectedEstimateText`,
      'checklist_item.delay_reason_enc': (r) => `incident:${r.incident_id}:delay:${r.key}`,
      'timeline_entry.detail_enc': (r) => `timeline:${r.incident_id}`,
      'pending_prompt.state_enc': (r) => `prompt:${r.id}`,
      'local_message.body_enc': (r) => `local:${r.conversation_id}`,
      // Not written by the local chat: listed so that a new encrypted column is a conscious addition to this scan.
      // Every platform's durable inbox: src/core/chat/inbox.ts.
      'inbound_event.body_enc': (r) => `inbound-event:${r.platform}:${r.event_id}`,
      // Forms the Discord adapter offered behind a button (adapters/discord/forms.ts).
      'discord_form.form_enc': (r) => `discord-form:${r.channel_id}:${r.form_id}`,
      // Notices to the affected people (issue #7; test/scenarios/notices.test.ts writes them).
      'subject_notice_version.body_enc': (r) => `notice:${r.notice_id}:v${r.version}`,
      'subject_notice_review.comment_enc': (r) => `notice:${r.notice_id}:review:${r.version}`,
      'subject_notice_batch.public_reason_enc': (r) => `notice-batch:${r.id}:publicReason`,
      'subject_notice_batch.note_enc': (r) => `notice-batch:${r.id}:note`,
      // One-shot choices (offers) as posted, to show them taken without their buttons (src/core/conversation/choices.ts).
      'one_shot_choice.message_enc': (r) => `once:${r.id}`,
      // The evidence locker (issue #15): a file's wrapped data key, its description and name; an offer's platform ids.
      // Evidence itself is the leaked material and is not masked: it is encrypted per file (src/core/evidence/seal.ts).
      'evidence.data_key_enc': (r) => `evidence:${r.id}:key`,
      'evidence.description_enc': (r) => `evidence:${r.id}:description`,
      'evidence.file_name_enc': (r) => `evidence:${r.id}:fileName`,
      'evidence_offer.source_enc': (r) => `evidence-offer:${r.id}`,
    };
    const writtenHere = [
      'incident.how_leaked_enc',
      'incident.place_enc',
      'incident.steps_taken_enc',
      'checklist_item.note_enc',
      'timeline_entry.detail_enc',
      'pending_prompt.state_enc',
      'local_message.body_enc',
    ];
    const encColumns = columns.filter((c) => c.column_name.endsWith('_enc')).map((c) => `${c.table_name}.${c.column_name}`);
    expect(encColumns.sort(), 'every encrypted column has its additional data known to this test').toEqual(Object.keys(aad).sort());
    const decrypted: Record<string, number> = {};
    for (const col of encColumns) {
      const [table, column] = col.split('.') as [string, string];
      const rows = await sql.query<Record<string, string>>(`SELECT *, "${column}" AS v FROM "${table}" WHERE "${column}" IS NOT NULL`);
      for (const row of rows) {
        expect(isEncrypted(row.v), `${col} holds an enc:v1 value`).toBe(true);
        expect(row.v!.startsWith('enc:v1:')).toBe(true);
        const plain = t.app.deps.cipher.decrypt(row.v!, aad[col]!(row));
        expect(leaks(plain), `${col} decrypted`).toEqual([]);
        decrypted[col] = (decrypted[col] ?? 0) + 1;
      }
    }
    // The scan did look at the data written above: every encrypted column holds some, with the mask tokens inside.
    for (const col of writtenHere) expect(decrypted[col], col).toBeGreaterThan(0);
    const bodies = await sql.query<{ conversation_id: string; body_enc: string }>(`SELECT conversation_id, body_enc FROM local_message`);
    const all = bodies.map((b) => t.app.deps.cipher.decrypt(b.body_enc, `local:${b.conversation_id}`)).join('\n');
    for (const token of TOKENS) expect(all).toContain(token);
  });
});
