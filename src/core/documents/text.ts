import { MISSING } from './model.js';
import { BOT_NAME } from '../bot-name.js';

/** The closing note of every generated report. */
export const FOOTNOTE =
  `本文件由${BOT_NAME}依事件紀錄產生，內容僅含個資類別、人數與處理經過，不含外洩之個人資料本身。` +
  `「${MISSING}」表示紀錄中尚無此項資料，送出前請補正。`;

export function escapeXml(s: string): string {
  return (
    s
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
      // Control characters are not allowed in XML 1.0.
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
  );
}

/** Splits a line around its 【待補】 markers, which renderers highlight. */
export function splitMissing(line: string): string[] {
  return line.split(new RegExp(`(${MISSING})`)).filter((p) => p !== '');
}

/** ISO 8601 in Taipei time without milliseconds, for document metadata: 2026-11-23T14:05:00+08:00. */
export function documentDate(d: Date): string {
  return `${new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 19)}+08:00`;
}
