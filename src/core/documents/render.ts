import { renderDocx, DOCX_MIME } from './docx.js';
import type { ReportDocument, ReportFormat } from './model.js';
import { ODT_MIME, renderOdt } from './odt.js';
import { PDF_MIME, renderPdf } from './pdf.js';

export interface RenderedFile {
  filename: string;
  mime: string;
  bytes: Buffer;
}

const MIME: Record<ReportFormat, string> = { pdf: PDF_MIME, odt: ODT_MIME, docx: DOCX_MIME };

/** Renders a report to one format. `now` stamps the document's metadata (the date line is already in `doc`). */
export async function renderReport(doc: ReportDocument, format: ReportFormat, now: Date): Promise<RenderedFile> {
  const bytes = format === 'pdf' ? await renderPdf(doc, now) : format === 'odt' ? await renderOdt(doc, now) : await renderDocx(doc, now);
  return { filename: `${doc.filenameBase}.${format}`, mime: MIME[format], bytes };
}
