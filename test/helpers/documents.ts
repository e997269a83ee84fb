import JSZip from 'jszip';
import { extractText, getDocumentProxy } from 'unpdf';
import { expect } from 'vitest';

/** Reads generated documents back as plain text, the way a reviewer (or a screen reader) would get it. */

const entities = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');

export async function odtText(bytes: Uint8Array): Promise<{ text: string; zip: JSZip; files: string[] }> {
  const zip = await JSZip.loadAsync(bytes);
  const files = Object.keys(zip.files);
  const content = await zip.file('content.xml')!.async('string');
  const text = entities(content.replace(/<\/text:(p|h)>/g, '\n').replace(/<[^>]+>/g, ''));
  return { text, zip, files };
}

export async function docxText(bytes: Uint8Array): Promise<string> {
  const zip = await JSZip.loadAsync(bytes);
  const xml = await zip.file('word/document.xml')!.async('string');
  return entities(
    xml
      .replace(/<\/w:p>/g, '\n')
      .replace(/<w:t(?: [^>]*)?>([^<]*)<\/w:t>/g, '\u0001$1\u0002')
      .replace(/<[^>]+>/g, '')
      .replace(/\u0001|\u0002/g, ''),
  );
}

export async function pdfText(bytes: Uint8Array): Promise<{ text: string; pages: number }> {
  const pdf = await getDocumentProxy(new Uint8Array(bytes));
  const { text, totalPages } = await extractText(pdf, { mergePages: true });
  return { text, pages: totalPages };
}

/** Whitespace differs by format (PDF lines wrap): compare without it. */
const squash = (s: string) => s.replace(/\s+/g, '');

export function expectAll(text: string, needles: string[], what: string): void {
  const hay = squash(text);
  const absent = needles.filter((n) => !hay.includes(squash(n)));
  expect(absent, `${what} is missing these`).toEqual([]);
}
