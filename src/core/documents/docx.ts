import {
  AlignmentType,
  BorderStyle,
  Document,
  HeadingLevel,
  Packer,
  Paragraph,
  ShadingType,
  Table,
  TableCell,
  TableRow,
  TextRun,
  WidthType,
} from 'docx';
import { MISSING, type ReportDocument } from './model.js';
import { FOOTNOTE, splitMissing } from './text.js';

/** Office Open XML (.docx) with the `docx` package, for schools that edit in Word. Same layout as the ODT. */
export const DOCX_FONT = '標楷體';

const runs = (line: string, opts: { bold?: boolean; size?: number; color?: string } = {}): TextRun[] =>
  splitMissing(line).map(
    (p) =>
      new TextRun({
        text: p,
        bold: opts.bold || p === MISSING,
        ...(opts.size ? { size: opts.size } : {}),
        ...(p === MISSING
          ? { color: 'C00000', shading: { type: ShadingType.CLEAR, fill: 'FFF2CC', color: 'auto' } }
          : opts.color
            ? { color: opts.color }
            : {}),
      }),
  );

const border = { style: BorderStyle.SINGLE, size: 4, color: '000000' };
const borders = { top: border, bottom: border, left: border, right: border };

/** `_now` is unused: the package stamps its own creation time in docProps/core.xml. */
export async function renderDocx(doc: ReportDocument, _now: Date): Promise<Buffer> {
  const children: (Paragraph | Table)[] = [
    new Paragraph({ alignment: AlignmentType.CENTER, children: runs(doc.title, { bold: true, size: 36 }) }),
    new Paragraph({ alignment: AlignmentType.CENTER, children: runs(`${doc.schoolName}　事件編號 ${doc.ref}`, { size: 24 }) }),
    new Paragraph({
      alignment: AlignmentType.CENTER,
      spacing: { after: 200 },
      children: runs(doc.basisLine, { size: 20, color: '444444' }),
    }),
  ];
  for (const section of doc.sections) {
    children.push(
      new Paragraph({
        heading: HeadingLevel.HEADING_1,
        spacing: { before: 240, after: 120 },
        keepNext: true,
        children: runs(section.heading, { bold: true, size: 28 }),
      }),
    );
    children.push(
      new Table({
        width: { size: 100, type: WidthType.PERCENTAGE },
        columnWidths: [2800, 6800],
        rows: section.fields.map(
          (f) =>
            new TableRow({
              cantSplit: true,
              children: [
                new TableCell({
                  width: { size: 30, type: WidthType.PERCENTAGE },
                  borders,
                  shading: { type: ShadingType.CLEAR, fill: 'EEEEEE', color: 'auto' },
                  children: [new Paragraph({ children: runs(f.label, { bold: true, size: 22 }) })],
                }),
                new TableCell({
                  width: { size: 70, type: WidthType.PERCENTAGE },
                  borders,
                  children: f.lines.map((l) => new Paragraph({ children: runs(l, { size: 22 }) })),
                }),
              ],
            }),
        ),
      }),
    );
  }
  children.push(
    new Paragraph({ alignment: AlignmentType.RIGHT, spacing: { before: 240 }, children: runs(`製表日期：${doc.dateLine}`, { size: 24 }) }),
  );
  children.push(new Paragraph({ spacing: { before: 120 }, children: runs(FOOTNOTE, { size: 18, color: '444444' }) }));
  if (doc.missing.length)
    children.push(new Paragraph({ children: runs(`尚待補正之欄位：${doc.missing.join('、')}`, { size: 18, color: '444444' }) }));

  const document = new Document({
    creator: doc.schoolName,
    title: `${doc.title}｜${doc.ref}`,
    description: doc.basisLine,
    styles: {
      default: {
        document: { run: { font: { ascii: DOCX_FONT, eastAsia: DOCX_FONT, hAnsi: DOCX_FONT, cs: DOCX_FONT }, size: 24 } },
        heading1: { run: { font: { ascii: DOCX_FONT, eastAsia: DOCX_FONT, hAnsi: DOCX_FONT }, color: '000000' } },
      },
    },
    sections: [
      {
        properties: { page: { size: { width: 11906, height: 16838 }, margin: { top: 1134, bottom: 1134, left: 1134, right: 1134 } } },
        children,
      },
    ],
  });
  return Packer.toBuffer(document);
}
