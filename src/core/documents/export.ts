import { createHash } from 'node:crypto';
import type { IncidentRecord as Incident } from '../../ports/repositories/index.js';
import type { CoreDeps } from '../context.js';
import { listEvidence } from '../evidence/locker.js';
import type { IncidentService } from '../incidents/service.js';
import { verifyRecord } from '../timeline/checkpoints.js';
import { readTimeline } from '../timeline/timeline.js';
import { formatRocDate, formatRocDateTime } from '../time/roc.js';
import type { ReportFormat, ReportKind } from './model.js';
import type { RenderedFile } from './render.js';
import { documentDate } from './text.js';

export const EXPORT_MIME = 'application/zip';
/** Reports included in the export: every format the chat offers (fixed PDF, editable ODT and Word). */
export const EXPORT_FORMATS: readonly ReportFormat[] = ['pdf', 'odt', 'docx'];

export interface ExportSources {
  incidents: IncidentService;
  notices: { exportNotices(incidentId: string): Promise<unknown[]> };
  kinds: (incident: Incident) => ReportKind[];
  render: (incidentId: string, kind: ReportKind, format: ReportFormat) => Promise<RenderedFile>;
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/**
 * The full record of one incident as a zip, for the auditor and the 5-year record (seed 002 art. 17, 19): the
 * timeline with every hash and the verification of its chain, the checklist, the assessment, the clocks, the notices
 * with every version, review and delivery batch, and the reports (PDF, ODT and DOCX) as they read today. SHA256SUMS lists
 * the hash of every file so the archive can be checked later.
 */
export async function buildIncidentExport(deps: CoreDeps, src: ExportSources, incidentId: string): Promise<RenderedFile> {
  const now = deps.now();
  const view = await src.incidents.get(incidentId);
  const i = view.incident;
  const school = await deps.repos.schools.find(i.schoolId);
  if (!school) throw new Error(`School ${i.schoolId} of incident ${incidentId} not found`);
  const timeline = await readTimeline(deps, incidentId);
  const checkpoints = await deps.repos.timeline.checkpoints(incidentId);
  const record = verifyRecord(deps.cipher, timeline, checkpoints);
  const verdict = {
    ok: record.ok,
    checked: record.entries,
    problem: record.problems[0] ? { seq: Number(/#(\d+)/.exec(record.problems[0])?.[1] ?? 0), reason: record.problems[0] } : undefined,
  };
  const head = timeline.at(-1);
  const files: [string, string | Buffer][] = [];
  const json = (name: string, value: unknown) => files.push([name, `${JSON.stringify(value, null, 2)}\n`]);

  json('incident.json', {
    school: { id: school.id, name: school.name },
    ref: i.ref,
    id: i.id,
    status: i.status,
    playbook: { id: view.playbook.id, title: view.playbook.title },
    reporter: view.reporterName,
    occurredAt: iso(i.occurredAt),
    awareAt: iso(i.awareAt),
    handlingEndedAt: iso(i.handlingEndedAt),
    recoveredAt: iso(i.recoveredAt),
    closedAt: iso(i.closedAt),
    submitted: { bureau: iso(i.bureauSubmittedAt), closure: iso(i.closureSubmittedAt), cyber: iso(i.cyberSubmittedAt) },
    place: view.place,
    howLeaked: view.howLeaked,
    stepsTaken: view.stepsTaken,
    clockProfile: i.clockProfile,
    exportedAt: iso(now),
  });
  json('assessment.json', {
    categories: i.categories.map((key) => ({ key, label: view.categoryLabel(key) })),
    specialCategories: i.specialCategories,
    biometric: i.biometric,
    involvesSystem: i.involvesSystem,
    systemRecordsHeld: i.systemRecordsHeld,
    affectedEstimate: i.affectedEstimate,
    affectedKinds: i.affectedKinds,
    counts: { students: i.studentsCount, guardians: i.guardiansCount, staff: i.staffCount, others: i.othersCount, minors: i.minorsCount },
  });
  json(
    'checklist.json',
    view.checklist.map((c) => ({
      key: c.row.key,
      title: c.row.title,
      phase: c.row.phase,
      ownerRole: c.row.ownerRole,
      state: c.state,
      note: c.note,
      doneAt: iso(c.row.doneAt),
      doneBy: c.doneByName,
      basis: c.basis,
    })),
  );
  json(
    'clocks.json',
    view.clocks.map((c) => ({
      id: c.id,
      label: c.label,
      basis: c.basis,
      legalStatus: c.legalStatus,
      enabled: c.enabled,
      applies: c.applies,
      statutoryEnd: iso(c.statutoryEnd),
      recommendedBy: iso(c.recommendedBy),
      overdueAtAwareness: c.overdueAtAwareness,
    })),
  );
  json('notices.json', await src.notices.exportNotices(incidentId));
  // The evidence list with its chain of custody; the files themselves stay in the encrypted locker (download each
  // through 「證據」, which checks its hash first).
  json(
    'evidence.json',
    (await listEvidence(deps, incidentId)).map((e) => ({
      seq: e.seq,
      description: e.description,
      checklistItem: e.itemKey,
      fileName: e.fileName,
      mediaType: e.mediaType,
      size: e.size,
      sha256: e.sha256,
      filedBy: e.filedByLabel,
      filedAt: iso(e.filedAt),
      source: { platform: e.sourcePlatform, message: e.sourceMessage },
    })),
  );
  json(
    'timeline.json',
    timeline.map((e) => ({ ...e, at: e.at.toISOString() })),
  );
  json('timeline-verification.json', {
    ok: verdict.ok,
    entries: verdict.checked,
    problem: verdict.problem ?? null,
    problems: record.problems,
    sealedHead: record.sealed
      ? { entries: record.sealed.entryCount, headHash: record.sealed.headHash, sealedAt: iso(record.sealed.at), keyId: record.sealed.keyId }
      : null,
    verifiedAt: iso(now),
    method:
      'Each entry hash = SHA-256 of canonical JSON (keys sorted) of {v:1, incidentId, seq, at, actorId, actorLabel, type, summary, detail, prevHash}; ' +
      'the first prevHash is 64 zeros; each prevHash equals the hash of the entry before (src/core/timeline/chain.ts). ' +
      'Each append also stores the head (entry count + head hash) sealed with an HMAC under a key the database does not hold (src/core/timeline/checkpoints.ts).',
  });
  // The head of the chain at export time, witnessed outside the database: keep this file, and later
  // `npm run verify -- --heads chain-head.json` shows whether any entry up to this head was removed or rewritten.
  json('chain-head.json', {
    schoolId: school.id,
    ref: i.ref,
    incidentId: i.id,
    entries: head?.seq ?? 0,
    headHash: head?.hash ?? '',
    exportedAt: iso(now),
  });

  const keepUntil = view.clocks.find((c) => c.id === 'records-5y')?.statutoryEnd ?? null;
  const reports: string[] = [];
  for (const kind of src.kinds(i)) {
    for (const format of EXPORT_FORMATS) {
      const file = await src.render(incidentId, kind, format);
      files.push([`reports/${file.filename}`, file.bytes]);
      reports.push(file.filename);
    }
  }
  files.unshift([
    'README.txt',
    [
      `${school.name} 個資事件 ${i.ref} 完整紀錄`,
      `匯出時間：${formatRocDateTime(now)}（臺北時間）`,
      `事件發生：${formatRocDateTime(i.occurredAt)}；知悉：${formatRocDateTime(i.awareAt)}`,
      `事件紀錄雜湊鏈驗證：${verdict.ok ? `通過（共 ${verdict.checked} 筆）` : `未通過：第 ${verdict.problem?.seq} 筆，${verdict.problem?.reason}`}`,
      '',
      '內容：',
      '  incident.json                事件基本資料與各報告送出日期',
      '  assessment.json              影響評估（個資類別、人數）',
      '  checklist.json               檢核項目與完成紀錄',
      '  clocks.json                  法定時限與法律依據',
      '  notices.json                 通知當事人：每一版內容、管理人核定或退回、通知紀錄',
      '  evidence.json                證據清單：說明、檔案類型與大小、SHA-256、存證人、時間及來源（檔案本身加密保存於系統中）',
      '  timeline.json                事件紀錄（含每筆雜湊值）',
      '  timeline-verification.json   雜湊鏈及密封檢核點驗證結果與方法',
      '  chain-head.json              匯出時之紀錄鏈頭（筆數與雜湊值），供日後核對紀錄未被刪改',
      ...reports.map((r) => `  reports/${r}`),
      '  SHA256SUMS                   以上各檔案之 SHA-256',
      '',
      '依私立高級中等以下學校及幼兒園個人資料檔案安全維護計畫實施辦法第17條、第19條，事件紀錄及證據至少保存5年，',
      '期滿後刪除或銷毀並留存銷毀紀錄。本檔案含個人資料處理紀錄，請存放於限制存取之位置。',
      ...(keepUntil ? [`保存期限：至少至${formatRocDate(keepUntil, { endOfDay: true })}。`] : []),
      '',
    ].join('\n'),
  ]);

  // Loaded when an export is made, not at start-up (jszip and its dependencies are ~60 modules).
  const { default: JSZip } = await import('jszip');
  const zip = new JSZip();
  const sums: string[] = [];
  for (const [name, content] of files) {
    zip.file(name, content, { date: now });
    sums.push(`${createHash('sha256').update(content).digest('hex')}  ${name}`);
  }
  zip.file('SHA256SUMS', `${sums.join('\n')}\n`, { date: now });
  const bytes = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', comment: `${i.ref} exported ${documentDate(now)}` });
  return { filename: `${i.ref}-事件完整紀錄-${formatRocDate(now).replace('中華民國', '')}.zip`, mime: EXPORT_MIME, bytes };
}
