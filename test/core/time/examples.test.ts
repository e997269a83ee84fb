import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { stepQuestion } from '../../../src/core/conversation/intake.js';
import { TIME_EXAMPLES, WHEN_TEXTS } from '../../../src/core/conversation/when.js';
import { parseDay } from '../../../src/core/conversation/report-flow.js';
import { parseNaturalTime } from '../../../src/core/time/natural.js';

/**
 * Every example of a time the product shows people must be a time the product reads. The examples are collected from
 * where they are shown (playbook help texts of datetime fields, the questions and error messages the code builds), so
 * a new example added anywhere is checked without editing this test.
 */

const ROOT = join(import.meta.dirname, '../../..');
const NOWS = [new Date('2026-12-06T21:10:00+08:00'), new Date('2027-01-02T09:00:00+08:00'), new Date()];

function files(dir: string, ext: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path, ext) : path.endsWith(ext) ? [path] : [];
  });
}

/** 「例：昨天下午3點左右、11月5日早上。不確定…」 → ['昨天下午3點左右', '11月5日早上'] */
function examplesAfter(text: string, marker: RegExp): string[] {
  const m = marker.exec(text);
  if (!m) return [];
  const list = text.slice(m.index + m[0].length).split(/[。\n，,；;]/)[0]!;
  return list
    .split('、')
    .map((s) => s.replace(/^[「『]|[」』]$/g, '').trim())
    .filter(Boolean);
}

/** The help texts of every datetime field in every playbook data file. */
function yamlDatetimeExamples(): { where: string; example: string }[] {
  const out: { where: string; example: string }[] = [];
  const walk = (node: unknown, where: string) => {
    if (Array.isArray(node)) {
      node.forEach((n, i) => {
        walk(n, `${where}[${i}]`);
      });
    } else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (o.type === 'datetime') {
        for (const key of ['help', 'question', 'placeholder']) {
          if (typeof o[key] === 'string')
            for (const example of examplesAfter(o[key], /例(?:如)?[：:]/)) out.push({ where: `${where}.${key}`, example });
        }
      }
      for (const [k, v] of Object.entries(o)) walk(v, `${where}.${k}`);
    }
  };
  for (const file of files(join(ROOT, 'playbooks'), '.yaml')) walk(parseYaml(readFileSync(file, 'utf8')), file.slice(ROOT.length + 1));
  return out;
}

/** 「…」 quoted examples in the source lines of messages about unreadable times or dates (literal ones only). */
function sourceMessageExamples(): { where: string; example: string }[] {
  const out: { where: string; example: string }[] = [];
  for (const file of files(join(ROOT, 'src'), '.ts')) {
    if (file.includes('generated')) continue;
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (!/看不懂[^'`]*(時間|日期)|輸入[^'`]*日期[^'`]*例如/.test(line)) return;
        for (const m of line.matchAll(/「([^」$]+)」/g)) {
          // Quoted labels and commands (「${label}」, 「取消」) are not examples; dates and times contain a digit or a day word.
          if (/\d|今天|昨天|前天|上週|早上|下午|晚上/.test(m[1]!))
            out.push({ where: `${file.slice(ROOT.length + 1)}:${i + 1}`, example: m[1]! });
        }
      });
  }
  return out;
}

describe('every time example the product shows parses', () => {
  const fromYaml = yamlDatetimeExamples();
  const fromSource = sourceMessageExamples();
  const unreadable = WHEN_TEXTS.unreadable('發生時間');
  const fromMessages = [...unreadable.matchAll(/「([^」]+)」/g)].map((m) => m[1]!).filter((x) => x !== '發生時間');
  const asked = stepQuestion({ id: 'occurredAt', label: '發生時間', type: 'datetime', required: true }, 0, 10, 'p').text;
  const fromQuestion = examplesAfter(asked, /例如[：:]/);

  it('finds the examples where they are shown', () => {
    expect(fromYaml.map((e) => e.example)).toEqual(expect.arrayContaining(['昨天下午3點左右', '11月5日早上', '兩小時前']));
    expect(fromMessages.length).toBeGreaterThanOrEqual(2);
    expect(fromQuestion.length).toBeGreaterThanOrEqual(2);
    expect(fromSource.length).toBeGreaterThan(0);
  });

  it.each(fromYaml.map((e) => [e.example, e.where]))('playbook example %s (%s)', (example) => {
    for (const now of NOWS) expect(parseNaturalTime(example, now), example).not.toBeNull();
  });

  it.each([...fromMessages, ...fromQuestion, ...TIME_EXAMPLES])('message example %s', (example) => {
    for (const now of NOWS) expect(parseNaturalTime(example, now), example).not.toBeNull();
  });

  it('the unreadable-time error names the field and gives two examples that parse', () => {
    expect(unreadable).toContain('看不懂「發生時間」的時間');
    expect(fromMessages.filter((x) => NOWS.every((now) => parseNaturalTime(x, now) !== null)).length).toBeGreaterThanOrEqual(2);
  });

  it.each(fromSource.map((e) => [e.example, e.where]))('date or time example in code %s (%s)', (example) => {
    // Report submission dates are read by parseDay (a day may also be today); the rest by the time parser.
    for (const now of NOWS) expect(parseDay(example, now) ?? parseNaturalTime(example, now), example).not.toBeNull();
  });
});
