import JSZip from 'jszip';
import { MISSING, type ReportDocument } from './model.js';
import { FOOTNOTE, documentDate, escapeXml, splitMissing } from './text.js';

/**
 * ODF text (.odt, OpenDocument 1.3), the format Taiwan's government offices exchange editable documents in.
 *
 * Written by hand (content.xml, styles.xml, meta.xml, META-INF/manifest.xml, zipped with jszip) rather than with a
 * library: the npm registry's candidates (checked with `npm view` on 2026-11-23) were simple-odf 3.0.3 (an object
 * model over @xmldom/xmldom, far more than a report needs) and odf-kit 0.13 (pre-1.0, a single maintainer, pulls in a
 * markdown parser); a report is a title, headings and two-column tables, a few dozen lines of XML we can check
 * ourselves against the OASIS schema's element names.
 */

const NS = [
  'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"',
  'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"',
  'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"',
  'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"',
  'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"',
  'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"',
  'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"',
  'xmlns:dc="http://purl.org/dc/elements/1.1/"',
].join(' ');

const ODT_MIME = 'application/vnd.oasis.opendocument.text';
/** Font named in the styles; an editor without it substitutes another Traditional Chinese font. */
export const ODT_FONT = '標楷體';

/** A paragraph whose 【待補】 markers are set in the highlighted character style. */
function para(style: string, line: string): string {
  const parts = splitMissing(line)
    .map((p) => (p === MISSING ? `<text:span text:style-name="Missing">${escapeXml(p)}</text:span>` : escapeXml(p)))
    .join('');
  return `<text:p text:style-name="${style}">${parts}</text:p>`;
}

function contentXml(doc: ReportDocument): string {
  const body: string[] = [
    para('Title', doc.title),
    para('Subtitle', `${doc.schoolName}　事件編號 ${doc.ref}`),
    para('Basis', doc.basisLine),
  ];
  for (const section of doc.sections) {
    body.push(`<text:h text:style-name="Heading" text:outline-level="1">${escapeXml(section.heading)}</text:h>`);
    body.push(`<table:table table:name="${escapeXml(section.heading)}" table:style-name="Fields">`);
    body.push('<table:table-column table:style-name="LabelCol"/><table:table-column table:style-name="ValueCol"/>');
    for (const f of section.fields) {
      body.push('<table:table-row>');
      body.push(`<table:table-cell table:style-name="LabelCell" office:value-type="string">${para('Label', f.label)}</table:table-cell>`);
      body.push(
        `<table:table-cell table:style-name="ValueCell" office:value-type="string">${f.lines.map((l) => para('Value', l)).join('')}</table:table-cell>`,
      );
      body.push('</table:table-row>');
    }
    body.push('</table:table>');
  }
  body.push(para('Date', `製表日期：${doc.dateLine}`));
  body.push(para('Note', FOOTNOTE));
  if (doc.missing.length) body.push(para('Note', `尚待補正之欄位：${doc.missing.join('、')}`));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<office:document-content ${NS} office:version="1.3">`,
    '<office:automatic-styles>',
    '<style:style style:name="Fields" style:family="table"><style:table-properties style:width="17cm" table:align="left" fo:margin-bottom="0.3cm"/></style:style>',
    '<style:style style:name="LabelCol" style:family="table-column"><style:table-column-properties style:column-width="5cm"/></style:style>',
    '<style:style style:name="ValueCol" style:family="table-column"><style:table-column-properties style:column-width="12cm"/></style:style>',
    '<style:style style:name="LabelCell" style:family="table-cell"><style:table-cell-properties fo:background-color="#eeeeee" fo:padding="0.1cm" fo:border="0.5pt solid #000000"/></style:style>',
    '<style:style style:name="ValueCell" style:family="table-cell"><style:table-cell-properties fo:padding="0.1cm" fo:border="0.5pt solid #000000"/></style:style>',
    '</office:automatic-styles>',
    `<office:body><office:text>${body.join('')}</office:text></office:body>`,
    '</office:document-content>',
  ].join('');
}

function stylesXml(): string {
  const font = `style:font-name="${ODT_FONT}" style:font-name-asian="${ODT_FONT}" style:font-name-complex="${ODT_FONT}"`;
  const size = (pt: number) => `fo:font-size="${pt}pt" style:font-size-asian="${pt}pt" style:font-size-complex="${pt}pt"`;
  const bold = 'fo:font-weight="bold" style:font-weight-asian="bold" style:font-weight-complex="bold"';
  const p = (name: string, paragraph: string, textProps: string) =>
    `<style:style style:name="${name}" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties ${paragraph}/><style:text-properties ${textProps}/></style:style>`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<office:document-styles ${NS} office:version="1.3">`,
    `<office:font-face-decls><style:font-face style:name="${ODT_FONT}" svg:font-family="'${ODT_FONT}'" style:font-family-generic="roman"/></office:font-face-decls>`,
    '<office:styles>',
    `<style:default-style style:family="paragraph"><style:text-properties ${font} ${size(12)} fo:language="zh" fo:country="TW" style:language-asian="zh" style:country-asian="TW"/></style:default-style>`,
    `<style:style style:name="Standard" style:family="paragraph"><style:text-properties ${font}/></style:style>`,
    p('Title', 'fo:text-align="center" fo:margin-bottom="0.2cm"', `${size(18)} ${bold}`),
    p('Subtitle', 'fo:text-align="center" fo:margin-bottom="0.1cm"', size(12)),
    p('Basis', 'fo:text-align="center" fo:margin-bottom="0.4cm"', `${size(10)} fo:color="#444444"`),
    `<style:style style:name="Heading" style:family="paragraph" style:parent-style-name="Standard" style:default-outline-level="1"><style:paragraph-properties fo:margin-top="0.4cm" fo:margin-bottom="0.15cm" fo:keep-with-next="always"/><style:text-properties ${size(14)} ${bold}/></style:style>`,
    p('Label', 'fo:margin="0cm"', `${size(11)} ${bold}`),
    p('Value', 'fo:margin="0cm"', size(11)),
    p('Date', 'fo:text-align="end" fo:margin-top="0.4cm"', size(12)),
    p('Note', 'fo:margin-top="0.2cm"', `${size(9)} fo:color="#444444"`),
    `<style:style style:name="Missing" style:family="text"><style:text-properties ${bold} fo:color="#c00000" fo:background-color="#fff2cc"/></style:style>`,
    '</office:styles>',
    '<office:automatic-styles><style:page-layout style:name="A4"><style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm" fo:margin-top="2cm" fo:margin-bottom="2cm" fo:margin-left="2cm" fo:margin-right="2cm" style:print-orientation="portrait"/></style:page-layout></office:automatic-styles>',
    '<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="A4"/></office:master-styles>',
    '</office:document-styles>',
  ].join('');
}

function metaXml(doc: ReportDocument, now: Date): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<office:document-meta ${NS} office:version="1.3"><office:meta>`,
    '<meta:generator>pdi-responder</meta:generator>',
    `<dc:title>${escapeXml(`${doc.title}｜${doc.ref}`)}</dc:title>`,
    `<dc:subject>${escapeXml(doc.schoolName)}</dc:subject>`,
    '<dc:language>zh-TW</dc:language>',
    `<meta:creation-date>${documentDate(now)}</meta:creation-date>`,
    `<dc:date>${documentDate(now)}</dc:date>`,
    '</office:meta></office:document-meta>',
  ].join('');
}

const MANIFEST = [
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">',
  `<manifest:file-entry manifest:full-path="/" manifest:version="1.3" manifest:media-type="${ODT_MIME}"/>`,
  '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>',
  '<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>',
  '<manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>',
  '</manifest:manifest>',
].join('');

export async function renderOdt(doc: ReportDocument, now: Date): Promise<Buffer> {
  const zip = new JSZip();
  // The package's first entry must be the uncompressed media type (ODF 1.3 part 2, §3.3).
  zip.file('mimetype', ODT_MIME, { compression: 'STORE', date: now });
  zip.file('META-INF/manifest.xml', MANIFEST, { date: now });
  zip.file('content.xml', contentXml(doc), { date: now });
  zip.file('styles.xml', stylesXml(), { date: now });
  zip.file('meta.xml', metaXml(doc, now), { date: now });
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}
