import { describe, expect, it } from 'vitest';
import { createLogger, REDACTED, sanitizeForLog } from '../../src/app/logger.js';

const ID = 'A123456789';
const PHONE = '0912-345-678';
const EMAIL = 'wang.xiaoming@example.com';
const BODY = '這是外洩的名單：王小明';
const SECRETS = [ID, PHONE, '0912345678', EMAIL, BODY, '王小明'];

function capture(level = 'trace') {
  const lines: string[] = [];
  const logger = createLogger({ level, destination: { write: (s: string) => void lines.push(s) } });
  const records = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, lines, records };
}

function expectClean(lines: string[]) {
  const all = lines.join('');
  for (const s of SECRETS) expect(all, `leaked ${s}`).not.toContain(s);
}

describe('createLogger', () => {
  it('masks personal data in the message, including interpolated arguments', () => {
    const { logger, lines, records } = capture();
    logger.info(`reporter pasted ${ID} and ${PHONE}`);
    logger.info('got %s from %s (%j)', ID, EMAIL, { phone: PHONE });
    expectClean(lines);
    expect(records()[0]?.msg).toBe('reporter pasted ［身分證號已遮蔽］ and ［電話號碼已遮蔽］');
    expect(records()[1]?.msg).toBe('got ［身分證號已遮蔽］ from ［電子郵件已遮蔽］ ({"phone":"［電話號碼已遮蔽］"})');
  });

  it('masks every nested string and redacts body, text and credential fields at any depth', () => {
    const { logger, lines, records } = capture();
    logger.info(
      {
        incident: { note: `聯絡 ${EMAIL}`, people: [{ contact: PHONE }], count: 3 },
        event: { message: { type: 'text', text: `${BODY} ${ID}` } },
        text: BODY,
        rawBody: `{"text":"${BODY}"}`,
        values: { name: '王小明' },
        headers: { 'x-line-signature': 'c2lnbmF0dXJl', authorization: 'Bearer abc.def', host: 'bot.example' },
        deep: { a: { b: { c: { password: 'hunter2', token: 'xoxb-123', apiKey: 'k' } } } },
      },
      'inbound message',
    );
    expectClean(lines);
    const [r] = records();
    expect(r).toMatchObject({
      incident: { note: '聯絡 ［電子郵件已遮蔽］', people: [{ contact: '［電話號碼已遮蔽］' }], count: 3 },
      event: { message: REDACTED },
      text: REDACTED,
      rawBody: REDACTED,
      values: REDACTED,
      headers: { 'x-line-signature': REDACTED, authorization: REDACTED, host: 'bot.example' },
      deep: { a: { b: { c: { password: REDACTED, token: REDACTED, apiKey: REDACTED } } } },
      msg: 'inbound message',
    });
    expect(lines.join('')).not.toContain('hunter2');
    expect(lines.join('')).not.toContain('xoxb-123');
  });

  it('keeps error type, message and stack, masked, for logged errors and err fields', () => {
    const { logger, lines, records } = capture();
    const err = Object.assign(new TypeError(`lookup failed for ${ID}`, { cause: new Error(`smtp refused ${EMAIL}`) }), {
      code: 'E_LOOKUP',
    });
    logger.error(err);
    logger.error({ err }, 'with message');
    expectClean(lines);
    const [first, second] = records();
    for (const r of [first, second]) {
      const e = r?.err as Record<string, unknown>;
      expect(e.type).toBe('TypeError');
      expect(e.message).toBe('lookup failed for ［身分證號已遮蔽］');
      expect(String(e.stack)).toMatch(/^TypeError: lookup failed for ［身分證號已遮蔽］\n\s+at /);
      expect(e.code).toBe('E_LOOKUP');
      expect((e.cause as Record<string, unknown>).message).toBe('smtp refused ［電子郵件已遮蔽］');
    }
    expect(first?.msg).toBe('lookup failed for ［身分證號已遮蔽］');
    expect(second?.msg).toBe('with message');
  });

  it('masks child bindings and message prefixes', () => {
    const { logger, lines, records } = capture();
    const child = logger.child({ reporter: EMAIL, phone: PHONE }, { msgPrefix: `[${ID}] ` });
    child.warn('child says hi');
    child.child({ grand: ID }).info('grandchild');
    expectClean(lines);
    expect(records()[0]).toMatchObject({
      reporter: '［電子郵件已遮蔽］',
      phone: '［電話號碼已遮蔽］',
      msg: '[［身分證號已遮蔽］] child says hi',
    });
    expect(records()[1]).toMatchObject({ grand: '［身分證號已遮蔽］', msg: '[［身分證號已遮蔽］] grandchild' });
  });

  it('respects the level and rejects unknown levels with a fix', () => {
    const { logger, lines } = capture('warn');
    logger.info('hidden');
    logger.warn('shown');
    expect(lines).toHaveLength(1);
    expect(() => createLogger({ level: 'verbose' })).toThrow(/Unknown log level "verbose"; use one of fatal, error/);
  });

  it('writes masked, human-readable lines when pretty', () => {
    const lines: string[] = [];
    const logger = createLogger({ pretty: true, destination: { write: (s: string) => void lines.push(s) } });
    logger.info({ contact: PHONE }, `hello ${ID}`);
    expectClean(lines);
    expect(lines.join('')).toContain('INFO');
    expect(lines.join('')).toContain('hello ［身分證號已遮蔽］');
  });
});

describe('sanitizeForLog', () => {
  it('does not mutate its input and survives cycles', () => {
    const input: Record<string, unknown> = { note: ID, nested: { phone: PHONE } };
    input.self = input;
    const out = sanitizeForLog(input) as Record<string, unknown>;
    expect(input.note).toBe(ID);
    expect(out.note).toBe('［身分證號已遮蔽］');
    expect(out.self).toBe('[Circular]');
  });

  it('serialises objects with toJSON (URL, Map) before masking', () => {
    const out = sanitizeForLog({
      link: new URL(`https://example.com/?mail=${EMAIL}`),
      byPhone: new Map([[PHONE, { note: ID }]]),
    }) as Record<string, unknown>;
    expect(out.link).toBe('https://example.com/?mail=［電子郵件已遮蔽］');
    expect(out.byPhone).toEqual({ '［電話號碼已遮蔽］': { note: '［身分證號已遮蔽］' } });
  });

  it('treats Date values like dates in text: old ones (possible birth dates) are masked', () => {
    const out = sanitizeForLog({ born: new Date('2010-05-12T00:00:00Z'), at: new Date() }) as Record<string, string>;
    expect(out.born).toBe('［日期已遮蔽］T00:00:00.000Z');
    expect(out.at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });
});

describe('createLogger: system ids', () => {
  it('keeps job, event, user and channel ids in id fields but still masks personal data everywhere', () => {
    const { logger, records } = capture();
    const jobId = '12345678-7187-4a1b-9c3d-1234567890ab';
    logger.info(
      {
        jobId,
        eventId: 'act:1234567890123456789',
        userId: 'U4af4980629f3a1b2c3d4e5f6a7b8c9d0',
        channel: 'C0123456789',
        ts: '1732170000.123456',
        studentId: '110123',
        nationalId: ID,
        externalId: ID,
        note: `job ${jobId} for ${PHONE}`,
      },
      'clock reminder job',
    );
    const [r] = records();
    expect(r).toMatchObject({
      jobId,
      eventId: 'act:1234567890123456789',
      userId: 'U4af4980629f3a1b2c3d4e5f6a7b8c9d0',
      channel: 'C0123456789',
      ts: '1732170000.123456',
      studentId: '［號碼已遮蔽］',
      nationalId: '［身分證號已遮蔽］',
      externalId: '［身分證號已遮蔽］',
      note: `job ${jobId} for ［電話號碼已遮蔽］`,
    });
  });
});
