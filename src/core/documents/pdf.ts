import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import { MISSING, type ReportDocument } from './model.js';
import { FOOTNOTE, splitMissing } from './text.js';

/**
 * PDF with pdfkit and Noto Sans TC (SIL Open Font License, from @expo-google-fonts/noto-sans-tc). pdfkit embeds only
 * the glyphs the document uses (a subset, with a ToUnicode map so the text can be searched and extracted), so a
 * report stays small although the font file is 7 MB.
 */

const require = createRequire(import.meta.url);
/** Resolved through node_modules (not a path relative to this file), so it works wherever the package is installed. */
export const FONT_FILES = {
  regular: require.resolve('@expo-google-fonts/noto-sans-tc/400Regular/NotoSansTC_400Regular.ttf'),
  bold: require.resolve('@expo-google-fonts/noto-sans-tc/700Bold/NotoSansTC_700Bold.ttf'),
};

let fonts: { regular: Buffer; bold: Buffer } | null = null;
function loadFonts() {
  fonts ??= { regular: readFileSync(FONT_FILES.regular), bold: readFileSync(FONT_FILES.bold) };
  return fonts;
}

const MARGIN = 56; // 2 cm
const GREY = '#444444';
const RED = '#c00000';

interface LineOptions {
  font: 'R' | 'B';
  size: number;
  color?: string;
  align?: 'left' | 'center' | 'right';
  /** Left edge and width; the page's text area by default. */
  x?: number;
  width?: number;
  y?: number;
}

/** Writes one line, 【待補】 markers in bold red, wrapping within its width. */
function line(pdf: PDFKit.PDFDocument, text: string, opts: LineOptions) {
  const parts = splitMissing(text);
  const x = opts.x ?? MARGIN;
  const width = opts.width ?? pdf.page.width - MARGIN - x;
  pdf.fontSize(opts.size);
  parts.forEach((p, i) => {
    const missing = p === MISSING;
    pdf.font(missing ? 'B' : opts.font).fillColor(missing ? RED : (opts.color ?? '#000000'));
    const o = { width, continued: i < parts.length - 1, align: opts.align ?? 'left', lineGap: 1.5 };
    if (i === 0) pdf.text(p, x, opts.y ?? pdf.y, o);
    else pdf.text(p, o);
  });
  pdf.fillColor('#000000');
}

const LABEL_WIDTH = 150;
const PAD = 4;

/** One field as a table row: the label in a shaded cell on the left, its lines on the right; a row never splits. */
function fieldRow(pdf: PDFKit.PDFDocument, label: string, lines: string[]) {
  const left = MARGIN;
  const valueX = left + LABEL_WIDTH;
  const valueWidth = pdf.page.width - MARGIN - valueX;
  pdf.font('B').fontSize(10);
  const labelH = pdf.heightOfString(label, { width: LABEL_WIDTH - 2 * PAD, lineGap: 1.5 });
  pdf.font('R').fontSize(10.5);
  const valueH = lines.reduce((h, l) => h + pdf.heightOfString(l, { width: valueWidth - 2 * PAD, lineGap: 1.5 }), 0);
  const rowH = Math.max(labelH, valueH) + 2 * PAD;
  if (pdf.y + rowH > pdf.page.height - pdf.page.margins.bottom) pdf.addPage();
  const top = pdf.y;
  pdf.lineWidth(0.5).strokeColor('#555555');
  pdf.rect(left, top, LABEL_WIDTH, rowH).fillAndStroke('#eeeeee', '#555555');
  pdf.rect(valueX, top, valueWidth, rowH).stroke();
  pdf.fillColor('#000000');
  line(pdf, label, { font: 'B', size: 10, x: left + PAD, width: LABEL_WIDTH - 2 * PAD, y: top + PAD });
  pdf.y = top + PAD;
  for (const l of lines) line(pdf, l, { font: 'R', size: 10.5, x: valueX + PAD, width: valueWidth - 2 * PAD });
  pdf.x = left;
  pdf.y = top + rowH;
}

export async function renderPdf(doc: ReportDocument, now: Date): Promise<Buffer> {
  const f = loadFonts();
  const pdf = new PDFDocument({
    size: 'A4',
    margins: { top: MARGIN, bottom: MARGIN + 14, left: MARGIN, right: MARGIN },
    bufferPages: true,
    info: {
      Title: `${doc.title}｜${doc.ref}`,
      Author: doc.schoolName,
      Subject: doc.basisLine,
      Creator: 'pdi-responder',
      CreationDate: now,
      ModDate: now,
    },
    lang: 'zh-TW',
    displayTitle: true,
  });
  pdf.registerFont('R', f.regular);
  pdf.registerFont('B', f.bold);
  const chunks: Buffer[] = [];
  pdf.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    pdf.on('end', () => resolve());
    pdf.on('error', reject);
  });

  line(pdf, doc.title, { font: 'B', size: 17, align: 'center' });
  pdf.moveDown(0.2);
  line(pdf, `${doc.schoolName}　事件編號 ${doc.ref}`, { font: 'R', size: 11, align: 'center' });
  line(pdf, doc.basisLine, { font: 'R', size: 9, align: 'center', color: GREY });
  pdf.moveDown(0.6);

  for (const section of doc.sections) {
    // A heading never ends a page: start a new one when fewer than ~3 lines remain.
    if (pdf.y > pdf.page.height - pdf.page.margins.bottom - 60) pdf.addPage();
    line(pdf, section.heading, { font: 'B', size: 13 });
    pdf.moveDown(0.2);
    for (const field of section.fields) fieldRow(pdf, field.label, field.lines);
    pdf.moveDown(0.8);
  }
  pdf.moveDown(0.4);
  line(pdf, `製表日期：${doc.dateLine}`, { font: 'R', size: 11, align: 'right' });
  pdf.moveDown(0.4);
  line(pdf, FOOTNOTE, { font: 'R', size: 8.5, color: GREY });
  if (doc.missing.length) line(pdf, `尚待補正之欄位：${doc.missing.join('、')}`, { font: 'R', size: 8.5, color: GREY });

  // Page footer: reference and page number on every page.
  const range = pdf.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i += 1) {
    pdf.switchToPage(i);
    const bottom = pdf.page.margins.bottom;
    pdf.page.margins.bottom = 0;
    pdf.font('R').fontSize(8).fillColor(GREY);
    pdf.text(`${doc.schoolName}｜事件 ${doc.ref}｜第 ${i + 1} 頁，共 ${range.count} 頁`, MARGIN, pdf.page.height - MARGIN + 8, {
      width: pdf.page.width - 2 * MARGIN,
      align: 'center',
      lineBreak: false,
    });
    pdf.page.margins.bottom = bottom;
  }
  pdf.end();
  await done;
  return Buffer.concat(chunks);
}
