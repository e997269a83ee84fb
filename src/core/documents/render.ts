import type { ReportDocument, ReportFormat } from './model.js';

export interface RenderedFile {
  filename: string;
  mime: string;
  bytes: Buffer;
}

const MIME: Record<ReportFormat, string> = {
  pdf: 'application/pdf',
  odt: 'application/vnd.oasis.opendocument.text',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
};

/**
 * Renders a report to one format. `now` stamps the document's metadata (the date line is already in `doc`).
 * The renderers are loaded on first use: pdfkit (with fontkit) and docx cost a few hundred MB of memory while their
 * modules load, which a process that never prints a report should not pay (bench/startup.ts, idle RSS).
 */
export async function renderReport(doc: ReportDocument, format: ReportFormat, now: Date): Promise<RenderedFile> {
  const bytes =
    format === 'pdf'
      ? await (await import('./pdf.js')).renderPdf(doc, now)
      : format === 'odt'
        ? await (await import('./odt.js')).renderOdt(doc, now)
        : await (await import('./docx.js')).renderDocx(doc, now);
  return { filename: `${doc.filenameBase}.${format}`, mime: MIME[format], bytes };
}
