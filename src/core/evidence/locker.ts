import type { EvidenceRecord, IncidentRecord as Incident } from '../../ports/repositories/index.js';
import type { BlobStore } from '../../ports/blobs.js';
import type { FieldCipher } from '../privacy/cipher.js';
import type { CoreDeps } from '../context.js';
import { newId } from '../ids.js';
import { UserError } from '../incidents/types.js';
import { maskPersonalData } from '../privacy/mask.js';
import { can, hasRole, type Actor } from '../roles.js';
import { appendTimeline } from '../timeline/timeline.js';
import { EvidenceIntegrityError, newFileKey, openChunks, openFileKey, rechunk, sealChunks, type SealStats, CHUNK_SIZE } from './seal.js';
import {
  DEFAULT_MAX_EVIDENCE_BYTES,
  EvidenceRefused,
  type EvidenceSource,
  type IncomingFile,
  REFUSALS,
  sizeLabel,
  SNIFF_BYTES,
  sniffType,
  typeLabel,
} from './types.js';

/** A piece of evidence as people see it (decrypted; only ever built for someone allowed to see it). */
export interface EvidenceView {
  id: string;
  incidentId: string;
  seq: number;
  itemKey: string | null;
  description: string;
  fileName: string;
  mediaType: string;
  typeLabel: string;
  size: number;
  sizeLabel: string;
  sha256: string;
  filedById: string;
  filedByLabel: string;
  filedAt: Date;
  sourcePlatform: string;
  sourceMessage: string;
}

export const EVIDENCE_TEXTS = {
  notFound: '找不到這份證據，或您沒有查看的權限。',
  mayNotFile: '只有這個事件的應變人員、檢核項目負責人或通報人可以存證。',
  closed: '這個事件已結案，無法再存證。',
  description: '請用一句話說明這份證據（例如「家長群組中被轉傳的成績單截圖」），200字以內。',
  badItem: '找不到這個檢核項目，請重新選擇。',
  integrity: '這份證據的完整性檢查未通過（檔案與存證時的雜湊值不符），已停止提供並記入事件紀錄。請告知個資聯絡窗口，並保留手邊的原始檔。',
} as const;

const MAX_DESCRIPTION = 200;
/** Roles that see every piece of evidence of their school's incidents (the auditor reads, never files). */
const SEE_ALL: readonly string[] = ['contactWindow', 'principal', 'it', 'dataManager', 'auditor'];

export interface FileInput {
  itemKey?: string | null;
  description: string;
  source: EvidenceSource;
  file: IncomingFile;
}

export interface LockerOptions {
  /** Where new files go; the first is current, the others are read for files stored there earlier. */
  stores: readonly BlobStore[];
  maxBytes?: number;
  /**
   * Told after an integrity failure is recorded (the bot tells the school's contact windows at once). Its failure is
   * logged, never thrown: the alarm is already on the timeline and in the log.
   */
  onIntegrityFailure?: (failure: { incidentId: string; seq: number }) => Promise<void>;
}

/**
 * The evidence locker: files filed against an incident, encrypted at rest with a data key each (src/core/evidence/
 * seal.ts), their SHA-256 taken at intake and checked on every read, every filing and every view on the incident's
 * timeline. docs/evidence.md.
 */
export class EvidenceLocker {
  readonly maxBytes: number;
  constructor(
    private readonly deps: Pick<CoreDeps, 'repos' | 'cipher' | 'log' | 'now'>,
    private readonly opts: LockerOptions,
  ) {
    if (opts.stores.length === 0) throw new Error('EvidenceLocker needs at least one blob store.');
    this.maxBytes = opts.maxBytes ?? DEFAULT_MAX_EVIDENCE_BYTES;
  }

  // ------------------------------------------------------------------ who may

  /** Whether the person may file evidence for this incident: its responders, item owners and its reporter. */
  async mayFile(actor: Actor, incident: Incident): Promise<boolean> {
    if (incident.schoolId !== actor.schoolId) return false;
    if (incident.reporterId === actor.personId) return true;
    if (can(actor, 'incident.act')) return true;
    return (await this.deps.repos.checklist.incidentsOwnedBy(actor.personId, [incident.id])).size > 0;
  }

  /** Whether the person may see (list, download) this piece: responders and the auditor; others only what they filed. */
  mayView(actor: Actor, incident: Pick<Incident, 'schoolId'>, ev: Pick<EvidenceRecord, 'filedById'>): boolean {
    if (incident.schoolId !== actor.schoolId) return false;
    if (SEE_ALL.some((r) => hasRole(actor, r as never))) return true;
    return ev.filedById === actor.personId;
  }

  // ------------------------------------------------------------------ filing

  /** Incidents this person could file evidence for now: open ones of their school, newest first. */
  async incidentsFor(actor: Actor): Promise<Incident[]> {
    const open = await this.deps.repos.incidents.openIn(actor.schoolId, 'newest', 20);
    const out: Incident[] = [];
    for (const i of open) if (await this.mayFile(actor, i)) out.push(i);
    return out;
  }

  /**
   * Files one file against an incident: streamed through the type check, the size limit, the hash and the
   * encryption into the blob store, then recorded with its chain of custody on the timeline. A refused file
   * (EvidenceRefused, zh-TW message) leaves nothing behind.
   */
  async file(actor: Actor, incidentId: string, input: FileInput): Promise<EvidenceView> {
    // Whatever ends the filing early (a refusal, a check that fails before the first byte is read, a store error),
    // the platform's download is closed at once rather than left open until it times out.
    const it = input.file.stream[Symbol.asyncIterator]();
    try {
      return await this.fileFrom(actor, incidentId, input, it);
    } catch (err) {
      await it.return?.().catch(() => undefined);
      throw err;
    }
  }

  private async fileFrom(actor: Actor, incidentId: string, input: FileInput, source: AsyncIterator<Uint8Array>): Promise<EvidenceView> {
    const { deps } = this;
    const incident = await deps.repos.incidents.find(incidentId);
    if (!incident || incident.schoolId !== actor.schoolId) throw new UserError('找不到這個事件。');
    if (incident.status === 'closed') throw new UserError(EVIDENCE_TEXTS.closed);
    if (!(await this.mayFile(actor, incident))) throw new UserError(EVIDENCE_TEXTS.mayNotFile);
    const description = input.description.normalize('NFC').trim();
    if (description.length === 0 || description.length > MAX_DESCRIPTION) throw new UserError(EVIDENCE_TEXTS.description);
    const itemKey = input.itemKey ? input.itemKey : null;
    if (itemKey && !(await deps.repos.checklist.findByKey(incidentId, itemKey))) throw new UserError(EVIDENCE_TEXTS.badItem);
    if (input.file.size !== undefined && input.file.size > this.maxBytes) {
      throw new EvidenceRefused(
        REFUSALS.tooLarge(this.maxBytes),
        `declared size ${input.file.size} bytes is over the limit of ${this.maxBytes}`,
      );
    }

    const id = newId();
    const store = this.opts.stores[0] as BlobStore;
    const { head, rest, done } = await readHead(source, SNIFF_BYTES);
    if (head.length === 0) throw new EvidenceRefused(REFUSALS.empty, 'the file has no bytes');
    const mediaType = await sniffType(head, input.file.fileName, done);
    if (!mediaType) throw new EvidenceRefused(REFUSALS.type, `file type not accepted (first bytes ${head.subarray(0, 8).toString('hex')})`);

    const { key, sealed } = newFileKey(deps.cipher, id);
    const stats: SealStats = { bytes: 0, sha256: '' };
    const limited = limitBytes(prepend(head, rest), this.maxBytes);
    try {
      await store.write(id, sealChunks(key, sealed, id, rechunk(limited, CHUNK_SIZE), stats));
    } catch (err) {
      await store.remove(id).catch(() => undefined);
      throw err;
    }
    const fileName = (input.file.fileName ?? '').normalize('NFC').slice(0, 200) || `證據.${extensionOf(mediaType)}`;
    const masked = maskPersonalData(description).text;
    const enc = (field: string, v: string) => deps.cipher.encrypt(v, `evidence:${id}:${field}`);
    try {
      const row = await deps.repos.transaction(async (tx) => {
        const created = await tx.evidence.file({
          id,
          incidentId,
          itemKey,
          descriptionEnc: enc('description', masked),
          fileNameEnc: enc('fileName', fileName),
          mediaType,
          size: stats.bytes,
          sha256: stats.sha256,
          filedById: actor.personId,
          filedByLabel: actor.displayName,
          filedAt: deps.now(),
          sourcePlatform: input.source.platform,
          sourceMessage: input.source.message.slice(0, 200),
          store: store.kind,
          dataKeyEnc: sealed.dataKeyEnc,
          nonce: sealed.nonce,
          chunkSize: CHUNK_SIZE,
        });
        await appendTimeline(deps, tx, incidentId, {
          actorId: actor.personId,
          actorLabel: actor.displayName,
          type: 'evidence.filed',
          summary: `${actor.displayName} 存證：證據 ${created.seq}（${typeLabel(mediaType)}，${sizeLabel(stats.bytes)}，SHA-256 ${stats.sha256.slice(0, 16)}…）`,
          detail: {
            evidenceId: id,
            seq: created.seq,
            itemKey,
            mediaType,
            size: stats.bytes,
            sha256: stats.sha256,
            source: input.source,
            store: store.kind,
          },
        });
        return created;
      });
      deps.log.info({ incidentId, evidenceId: id, bytes: stats.bytes, mediaType }, 'evidence filed');
      return this.view(row);
    } catch (err) {
      await store.remove(id).catch(() => undefined);
      throw err;
    }
  }

  // ------------------------------------------------------------------ reading

  view(row: EvidenceRecord): EvidenceView {
    return evidenceView(this.deps.cipher, row);
  }

  /** Every piece of an incident, unfiltered: for the export and the reports (their readers hold incident.reports). */
  all(incidentId: string): Promise<EvidenceView[]> {
    return listEvidence(this.deps, incidentId);
  }

  /** What this person may see of an incident's evidence. */
  async list(actor: Actor, incidentId: string): Promise<EvidenceView[]> {
    const incident = await this.deps.repos.incidents.find(incidentId);
    if (!incident || incident.schoolId !== actor.schoolId) throw new UserError('找不到這個事件。');
    const rows = await this.deps.repos.evidence.ofIncident(incidentId);
    return rows.filter((r) => this.mayView(actor, incident, r)).map((r) => this.view(r));
  }

  /** The row, if this person may see it (else UserError: the same answer whether it exists or not). */
  async visible(actor: Actor, evidenceId: string): Promise<{ row: EvidenceRecord; incident: Incident }> {
    const row = await this.deps.repos.evidence.find(evidenceId);
    const incident = row ? await this.deps.repos.incidents.find(row.incidentId) : null;
    if (!row || !incident || !this.mayView(actor, incident, row)) throw new UserError(EVIDENCE_TEXTS.notFound);
    return { row, incident };
  }

  /** The original bytes, after authenticating every chunk and comparing the hash (EvidenceIntegrityError otherwise). */
  async readVerified(row: EvidenceRecord): Promise<Buffer> {
    const store = this.opts.stores.find((s) => s.kind === row.store);
    if (!store)
      throw new Error(`Evidence ${row.id} is in the "${row.store}" store, which this instance has not configured (EVIDENCE_STORE).`);
    const key = openFileKey(this.deps.cipher, row.id, row.dataKeyEnc);
    const parts: Buffer[] = [];
    for await (const p of openChunks(key, row.nonce, row.id, store.read(row.id), row.sha256)) parts.push(p);
    const bytes = Buffer.concat(parts);
    if (bytes.length !== row.size) throw new EvidenceIntegrityError(`Evidence ${row.id}: ${bytes.length} bytes read, ${row.size} filed.`);
    return bytes;
  }

  /**
   * One download by a person allowed to see it: the file is verified whole first (a mismatch is recorded on the
   * timeline as an alarm and nothing is sent), then the download is recorded (with a one-time link's use, in the same
   * transaction: a second use fails with P2002) and the bytes returned.
   */
  async download(
    actor: Actor,
    evidenceId: string,
    link?: { linkId: string; clientAddress: string | null },
  ): Promise<{ view: EvidenceView; bytes: Buffer }> {
    const { deps } = this;
    const { row } = await this.visible(actor, evidenceId);
    let bytes: Buffer;
    try {
      bytes = await this.readVerified(row);
    } catch (err) {
      if (!(err instanceof EvidenceIntegrityError) && (err as Error).name !== 'BlobMissingError') throw err;
      await this.recordIntegrityFailure(row, actor, (err as Error).message);
      throw new UserError(EVIDENCE_TEXTS.integrity);
    }
    await deps.repos.transaction(async (tx) => {
      if (link)
        await tx.documentLinks.recordUse({
          linkId: link.linkId,
          incidentId: row.incidentId,
          personId: actor.personId,
          clientAddress: link.clientAddress,
        });
      await appendTimeline(deps, tx, row.incidentId, {
        actorId: actor.personId,
        actorLabel: actor.displayName,
        type: 'evidence.downloaded',
        summary: `${actor.displayName} 下載證據 ${row.seq}（SHA-256 已核對相符）`,
        detail: {
          evidenceId: row.id,
          seq: row.seq,
          sha256: row.sha256,
          via: link ? 'link' : 'direct',
          ...(link ? { linkId: link.linkId } : {}),
        },
      });
    });
    return { view: this.view(row), bytes };
  }

  /** An alarm: on the timeline and in the log at error level (the operator's alerting picks it up). */
  async recordIntegrityFailure(row: EvidenceRecord, actor: Actor | null, problem: string): Promise<void> {
    const { deps } = this;
    deps.log.error({ incidentId: row.incidentId, evidenceId: row.id, problem }, 'evidence integrity check failed');
    await deps.repos.transaction(async (tx) => {
      await appendTimeline(deps, tx, row.incidentId, {
        actorId: actor?.personId ?? null,
        actorLabel: actor?.displayName ?? '系統',
        type: 'evidence.integrity-failed',
        summary: `證據 ${row.seq} 完整性檢查未通過：儲存的檔案與存證時的 SHA-256 不符或已損毀，已停止提供`,
        detail: { evidenceId: row.id, seq: row.seq, sha256: row.sha256, problem },
      });
    });
    try {
      await this.opts.onIntegrityFailure?.({ incidentId: row.incidentId, seq: row.seq });
    } catch (err) {
      deps.log.error(
        { incidentId: row.incidentId, evidenceId: row.id, err: (err as Error).message },
        'could not tell the contact windows of an evidence integrity failure',
      );
    }
  }

  /** Checks every piece of an incident (verify, the export): the problems found, each also recorded as an alarm. */
  async verifyIncident(incidentId: string): Promise<{ seq: number; ok: boolean; problem?: string }[]> {
    const rows = await this.deps.repos.evidence.ofIncident(incidentId);
    const out: { seq: number; ok: boolean; problem?: string }[] = [];
    for (const row of rows) {
      try {
        await this.readVerified(row);
        out.push({ seq: row.seq, ok: true });
      } catch (err) {
        const problem = (err as Error).message;
        await this.recordIntegrityFailure(row, null, problem);
        out.push({ seq: row.seq, ok: false, problem });
      }
    }
    return out;
  }

  /** Removes the blobs of evidence rows already deleted by the retention procedure (after its transaction). */
  async removeBlobs(items: readonly { id: string; store: string }[]): Promise<void> {
    for (const it of items) {
      const store = this.opts.stores.find((s) => s.kind === it.store);
      if (store) await store.remove(it.id);
    }
  }
}

/** A stored piece as people see it (decrypted). */
export function evidenceView(cipher: FieldCipher, row: EvidenceRecord): EvidenceView {
  const dec = (field: string, v: string) => cipher.decrypt(v, `evidence:${row.id}:${field}`);
  return {
    id: row.id,
    incidentId: row.incidentId,
    seq: row.seq,
    itemKey: row.itemKey,
    description: dec('description', row.descriptionEnc),
    fileName: dec('fileName', row.fileNameEnc),
    mediaType: row.mediaType,
    typeLabel: typeLabel(row.mediaType),
    size: row.size,
    sizeLabel: sizeLabel(row.size),
    sha256: row.sha256,
    filedById: row.filedById,
    filedByLabel: row.filedByLabel,
    filedAt: row.filedAt,
    sourcePlatform: row.sourcePlatform,
    sourceMessage: row.sourceMessage,
  };
}

/** Every piece of an incident in filing order (the export, the closure report's evidence section). */
export async function listEvidence(deps: Pick<CoreDeps, 'repos' | 'cipher'>, incidentId: string): Promise<EvidenceView[]> {
  const rows = await deps.repos.evidence.ofIncident(incidentId);
  return rows.map((r) => evidenceView(deps.cipher, r));
}

// ---------------------------------------------------------------------------------------------------- streams

/** Reads at least `n` bytes (or everything) from a stream; returns them and the rest of the stream. */
async function readHead(
  it: AsyncIterator<Uint8Array>,
  n: number,
): Promise<{ head: Buffer; rest: AsyncIterator<Uint8Array>; done: boolean }> {
  const parts: Buffer[] = [];
  let length = 0;
  while (length < n) {
    const r = await it.next();
    if (r.done) return { head: Buffer.concat(parts), rest: it, done: true };
    const b = Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
    parts.push(b);
    length += b.length;
  }
  return { head: Buffer.concat(parts), rest: it, done: false };
}

async function* prepend(head: Buffer, rest: AsyncIterator<Uint8Array>): AsyncIterable<Uint8Array> {
  yield head;
  for (;;) {
    const r = await rest.next();
    if (r.done) return;
    yield r.value;
  }
}

async function* limitBytes(source: AsyncIterable<Uint8Array>, max: number): AsyncIterable<Uint8Array> {
  let total = 0;
  for await (const piece of source) {
    total += piece.byteLength;
    if (total > max) throw new EvidenceRefused(REFUSALS.tooLarge(max), `the file is over the limit of ${max} bytes`);
    yield piece;
  }
}

function extensionOf(mediaType: string): string {
  const map: Record<string, string> = {
    'image/jpeg': 'jpg',
    'image/png': 'png',
    'application/pdf': 'pdf',
    'text/plain': 'txt',
    'message/rfc822': 'eml',
    'application/zip': 'zip',
  };
  return map[mediaType] ?? mediaType.split('/')[1]?.split('.').pop() ?? 'bin';
}
