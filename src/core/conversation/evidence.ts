import type { IncidentRecord as Incident } from '../../ports/repositories/index.js';
import type { Card, CardRow, ConversationAddress, FileReference, Form, FormOption, InboundFile } from '../../ports/chat-model.js';
import { LINK_ACTION } from '../../ports/chat-model.js';
import type { CoreDeps } from '../context.js';
import type { DocumentLinks } from '../documents/links.js';
import { EVIDENCE_TEXTS, type EvidenceLocker, type EvidenceView } from '../evidence/locker.js';
import { REFUSALS, sizeLabel } from '../evidence/types.js';
import { newId } from '../ids.js';
import type { IncidentService } from '../incidents/service.js';
import { UserError } from '../incidents/types.js';
import type { Actor } from '../roles.js';
import { formatRocDateTime } from '../time/roc.js';
import { reachPrivately } from './reach.js';
import type { FormSteps } from './steps.js';
import { requireActor, type Place, type TurnContext, type Turns } from './turn.js';

/**
 * Evidence from the chat (issue #15, docs/evidence.md): a file or image sent to the bot while the person has an open
 * incident is offered for filing — in the private chat, with a short description and the checklist item it supports —
 * and filed into the locker (src/core/evidence) only if they say so. A declined or expired offer leaves nothing: the
 * bytes are fetched from the platform only when the person files. 「證據 115-001」 lists what the person may see, with
 * one-time download links.
 */
export type EvidenceChatContext = TurnContext;

/** How long an offer waits for the person's answer. */
export const OFFER_TTL_MS = 24 * 60 * 60_000;
const MAX_OPTIONS = 24;

import { evidenceAct, formIds, parseEvidenceForm, type EvidenceAction } from './actions.js';
export { evidenceAct };

/** What the contact windows are told at once when a stored evidence file fails its check (no file content, no names). */
export function integrityAlarm(ref: string, seq: number): string {
  return `⚠️ 事件 ${ref} 的證據 ${seq} 完整性檢查未通過：儲存的檔案與存證時的 SHA-256 不符或已損毀，系統已停止提供並記入事件紀錄。請聯絡系統管理者檢查儲存空間與備份，並請存證人保留手邊的原始檔。`;
}

const ET = {
  unknownPerson: '您的帳號尚未連結到學校的人員名冊，這個檔案沒有被保存。請洽個資聯絡窗口為您設定。',
  nothingOpen: '目前沒有您可以存證的進行中事件，這個檔案沒有被保存。',
  movedToDirect: '請勿在群組張貼外洩的資料。如果這是事件的證據，我已私訊您，可以在私訊中存證（加密保存，只有應變人員看得到）。',
  noDirect: (how: string) => `小幫手無法私訊您，這個檔案沒有被保存。請先${how}，再私訊傳送檔案給小幫手以存證（請勿在群組張貼外洩的資料）。`,
  cannotFetch: '這個平台目前無法取得檔案，請改用本機聊天頁或 LINE 傳送。',
  notConfigured: '系統尚未設定證據的保存位置，暫時無法存證，請通知系統管理者。',
  offerGone: '這個存證邀請已失效（已處理或超過24小時），請再傳一次檔案。',
  dropped: '已略過，這個檔案沒有被保存。',
  refNeeded: '請加上事件編號，例如「證據 115-001」。',
  refUnknown: (ref: string) => `找不到事件 ${ref}。輸入「事件」可查看進行中的事件。`,
  noBaseUrl: '系統尚未設定對外網址（PUBLIC_URL），暫時無法提供下載連結，請通知系統管理者。',
  none: (ref: string) => `事件 ${ref} 目前沒有您可以查看的證據。傳送截圖或檔案給我，即可存證。`,
};

/** 「證據」「證據 115-001」「/evidence 115-001」. */
export function parseEvidenceCommand(text: string): { arg?: string } | null {
  const m = /^(?:@\S+\s+)?(\/evidence|證據|證據清單|存證清單)(?:\s+(\S+))?$/i.exec(text.normalize('NFKC').trim());
  if (!m) return null;
  return m[2] ? { arg: m[2] } : {};
}

interface OfferSource {
  platform: string;
  file: FileReference;
  messageId: string;
  where: ConversationAddress;
  incidentIds: string[];
}

export class EvidenceChat {
  constructor(
    private readonly deps: CoreDeps,
    /** Null when no blob store is configured: every filing is answered with ET.notConfigured. */
    readonly locker: EvidenceLocker | null,
    private readonly links: DocumentLinks,
    /** Where download links point (the reports' base URL: PUBLIC_URL, else the address the server listens on). */
    private readonly baseUrl: () => string | null,
    private readonly turns: Turns,
    private readonly forms: FormSteps,
    private readonly incidents: IncidentService,
  ) {}

  // ------------------------------------------------------------------ a file arrives

  async onFile(ctx: EvidenceChatContext, ev: InboundFile): Promise<void> {
    const inGroup = ctx.conv.kind !== 'direct';
    if (!ctx.actor) {
      // In a group, a stranger's picture is none of the bot's business; in the private chat they are told.
      if (!inGroup) await this.turns.say(ctx.addr, { type: 'text', text: ET.unknownPerson });
      return;
    }
    const actor = ctx.actor;
    if (!this.locker) {
      if (!inGroup) await this.turns.say(ctx.addr, { type: 'text', text: ET.notConfigured });
      return;
    }
    let incidents = await this.locker.incidentsFor(actor);
    if (ctx.conv.purpose === 'incident' && ctx.conv.incidentId) incidents = incidents.filter((i) => i.id === ctx.conv.incidentId);
    if (incidents.length === 0) {
      if (!inGroup) await this.turns.say(ctx.addr, { type: 'text', text: ET.nothingOpen });
      return;
    }
    if (!ctx.adapter.fetchFile) {
      await this.turns.say(ctx.addr, { type: 'text', text: ET.cannotFetch, ...(inGroup ? { onlyFor: ctx.ev.user } : {}) });
      return;
    }
    const reach = { moved: ET.movedToDirect, noDirect: ET.noDirect(reachPrivately(ctx.adapter)), onlyFor: true };
    await this.turns.privately(ctx, actor, reach, (where) => this.offer(ev, ctx.addr, actor, incidents, where));
  }

  /** The offer to file what someone sent, made in `where`; an offer that could not be delivered is not kept. */
  private async offer(ev: InboundFile, from: ConversationAddress, actor: Actor, incidents: Incident[], where: Place): Promise<void> {
    const file = ev.file;
    const offerId = newId();
    const source: OfferSource = {
      platform: where.adapter.platform,
      file,
      messageId: ev.messageId,
      where: from,
      incidentIds: incidents.map((i) => i.id),
    };
    const now = this.deps.now();
    await this.deps.repos.evidenceOffers.offer(
      {
        id: offerId,
        personId: actor.personId,
        conversationId: where.convId,
        sourceEnc: this.deps.cipher.encrypt(JSON.stringify(source), `evidence-offer:${offerId}`),
        expiresAt: new Date(now.getTime() + OFFER_TTL_MS),
      },
      now,
    );
    const form = await this.offerForm(offerId, file, incidents);
    try {
      await this.forms.send(where.adapter, where.addr, where.convId, actor.personId, form);
    } catch (err) {
      await this.deps.repos.evidenceOffers.drop(offerId);
      throw err;
    }
  }

  private async offerForm(offerId: string, file: FileReference, incidents: Incident[]): Promise<Form> {
    const items = await this.deps.repos.checklist.ofIncidents(incidents.map((i) => i.id));
    const several = incidents.length > 1;
    const options: FormOption[] = [];
    let initial: string | undefined;
    for (const incident of incidents) {
      const prefix = several ? `${incident.ref}｜` : '';
      const own = items.filter((i) => i.incidentId === incident.id);
      for (const item of own) {
        options.push({ value: `${incident.id}|${item.key}`, label: `${prefix}${item.title}`.slice(0, 75) });
        if (!initial && item.key === 'preserve-evidence') initial = `${incident.id}|${item.key}`;
      }
      options.push({ value: `${incident.id}|`, label: `${prefix}不指定檢核項目`.slice(0, 75) });
    }
    const shown = options.slice(0, MAX_OPTIONS);
    initial ??= shown.find((o) => o.value.endsWith('|'))?.value ?? shown[0]?.value;
    const what = [file.fileName, file.size !== undefined ? sizeLabel(file.size) : null].filter(Boolean).join('，');
    const intro =
      `${what ? `檔案：${what}。` : ''}存證後會加密保存並記下雜湊值（SHA-256），只有應變人員與稽核人員看得到，保存期限同事件紀錄（至少5年）。` +
      '不存證的話，這個檔案不會被保存。';
    return {
      type: 'form',
      formId: formIds.evidence(offerId),
      title: several ? '存為事件證據' : `存為事件證據｜${incidents[0]!.ref}`,
      intro,
      fields: [
        {
          id: 'target',
          label: several ? '事件與檢核項目' : '對應的檢核項目',
          type: 'select',
          required: true,
          options: shown,
          ...(initial ? { initial } : {}),
        },
        {
          id: 'description',
          label: '證據說明',
          type: 'text',
          required: true,
          maxLength: 200,
          help: '一句話說明這是什麼，例如「家長群組中被轉傳的成績單截圖」。請勿寫入學生的個資。',
          suggestions: ['外洩畫面截圖', '寄錯的郵件（含信頭）', '系統存取紀錄'],
        },
      ],
      submitLabel: '存為證據',
      cancelAction: evidenceAct.drop(offerId),
      fallbackText: '要把這個檔案存為事件證據嗎？',
    };
  }

  // ------------------------------------------------------------------ the person answers

  async onForm(ctx: EvidenceChatContext, formId: string, values: Record<string, string | string[]>): Promise<void> {
    const actor = requireActor(ctx, ET.unknownPerson);
    const { offerId } = parseEvidenceForm(formId);
    const { offer, source } = await this.takeOffer(actor, offerId);
    const pick = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? '';
    const [incidentId, itemKey] = pick(values.target).split('|');
    if (!incidentId || !source.incidentIds.includes(incidentId)) throw new UserError(EVIDENCE_TEXTS.badItem);
    const description = pick(values.description).trim();
    if (!description || description.length > 200) throw new UserError(EVIDENCE_TEXTS.description);
    if (!this.locker) throw new UserError(ET.notConfigured);
    const adapter = this.turns.adapterFor(source.platform);
    if (!adapter?.fetchFile) throw new UserError(ET.cannotFetch);
    // From here on the offer is used up, whatever happens: a refused or lost file is sent again (so the refusal is
    // final: questions asked step by step end with it instead of being asked again).
    await this.deps.repos.evidenceOffers.drop(offer.id);
    let file;
    try {
      file = await adapter.fetchFile(source.file, source.where);
    } catch (err) {
      this.deps.log.warn(
        { platform: source.platform, err: { type: (err as Error).name, message: (err as Error).message } },
        'evidence file could not be fetched',
      );
      throw final(new UserError(REFUSALS.fetch));
    }
    const view = await this.locker
      .file(actor, incidentId, {
        itemKey: itemKey || null,
        description,
        source: { platform: source.platform, message: source.messageId },
        file: {
          ...file,
          ...(file.fileName || !source.file.fileName ? {} : { fileName: source.file.fileName }),
          ...(file.size === undefined && source.file.size !== undefined ? { size: source.file.size } : {}),
        },
      })
      .catch((err: unknown) => {
        throw err instanceof UserError ? final(err) : err;
      });
    const incident = await this.deps.repos.incidents.find(incidentId);
    if (!incident) throw new Error(`incident ${incidentId} not found`);
    const item = view.itemKey ? await this.deps.repos.checklist.findByKey(incidentId, view.itemKey) : null;
    await this.turns.say(ctx.addr, this.filedCard(incident, view, item?.title ?? null));
    // The checklist shows the count of evidence per item: its cards follow.
    await this.turns.refreshCards(ctx, await this.incidents.get(incidentId), ['checklist']);
  }

  async onAction(ctx: EvidenceChatContext, action: EvidenceAction): Promise<void> {
    if (action.verb === null) throw new UserError(ET.offerGone);
    const { verb, id } = action;
    if (verb === 'drop') {
      const actor = requireActor(ctx, ET.unknownPerson);
      const offer = await this.deps.repos.evidenceOffers.find(id);
      if (offer && offer.personId === actor.personId) {
        const source = JSON.parse(this.deps.cipher.decrypt(offer.sourceEnc, `evidence-offer:${offer.id}`)) as OfferSource;
        await this.deps.repos.evidenceOffers.drop(id);
        await this.turns.adapterFor(source.platform)?.releaseFile?.(source.file);
      }
      return this.turns.say(ctx.addr, { type: 'text', text: ET.dropped });
    }
    if (verb === 'list') return this.showList(ctx, id);
    throw new UserError(ET.offerGone);
  }

  async onCommand(ctx: EvidenceChatContext, arg: string | undefined): Promise<void> {
    const actor = requireActor(ctx, ET.unknownPerson);
    return this.showList(ctx, await this.turns.incidentNamed(actor, arg, ET));
  }

  // ------------------------------------------------------------------ cards

  private filedCard(incident: Incident, v: EvidenceView, itemTitle: string | null): Card {
    return {
      type: 'card',
      title: `已存證：證據 ${v.seq}｜${incident.ref}`,
      tone: 'success',
      sections: [
        {
          fields: [
            { label: '說明', value: v.description },
            { label: '檢核項目', value: itemTitle ?? '未指定' },
            { label: '檔案', value: `${v.typeLabel}，${v.sizeLabel}` },
            { label: 'SHA-256', value: v.sha256 },
            { label: '存證', value: `${v.filedByLabel}，${formatRocDateTime(v.filedAt)}` },
          ],
        },
      ],
      buttons: [{ label: '證據清單', action: evidenceAct.list(incident.id) }],
      footer:
        '檔案已加密保存，每次讀取都會核對雜湊值；存證與每次下載都記錄在事件紀錄上。原始檔如仍在手機或電腦中，請依學校規定刪除或移到限制存取的位置。',
      fallbackText: `已存證：證據 ${v.seq}（${incident.ref}）SHA-256 ${v.sha256}`,
    };
  }

  private async showList(ctx: EvidenceChatContext, incidentId: string): Promise<void> {
    const actor = requireActor(ctx, ET.unknownPerson);
    if (!this.locker) throw new UserError(ET.notConfigured);
    const incident = await this.deps.repos.incidents.find(incidentId);
    if (!incident || incident.schoolId !== actor.schoolId) throw new UserError('找不到這個事件。');
    const list = await this.locker.list(actor, incidentId);
    const base = this.baseUrl();
    if (list.length > 0 && !base) throw new UserError(ET.noBaseUrl);
    const reach = { moved: '證據清單只以私訊提供，我已私訊給您。', noDirect: ET.noDirect(reachPrivately(ctx.adapter)), onlyFor: true };
    await this.turns.privately(ctx, actor, reach, async (where) => {
      if (list.length === 0) return void (await where.adapter.send(where.addr, { type: 'text', text: ET.none(incident.ref) }));
      await this.sendList(where, actor, incident, list, base!);
    });
  }

  private async sendList(where: Place, actor: Actor, incident: Incident, list: EvidenceView[], base: string): Promise<void> {
    const incidentId = incident.id;
    const items = await this.deps.repos.checklist.ofIncident(incidentId);
    let expiresAt: Date | null = null;
    const rows: CardRow[] = list.map((v) => {
      const s = this.links.sign(incidentId, actor.personId, { kind: 'evidence', format: v.id });
      expiresAt = s.expiresAt;
      const item = items.find((i) => i.key === v.itemKey)?.title;
      return {
        text: `證據 ${v.seq}｜${v.description}`,
        detail: `${v.typeLabel}，${v.sizeLabel}｜${item ?? '未指定檢核項目'}｜${v.filedByLabel}，${formatRocDateTime(v.filedAt)}｜SHA-256 ${v.sha256.slice(0, 16)}…`,
        buttons: [{ label: '下載', action: LINK_ACTION, url: `${base.replace(/\/+$/, '')}/documents/${s.token}` }],
      };
    });
    await where.adapter.send(where.addr, {
      type: 'card',
      key: 'evidence',
      title: `證據清單｜${incident.ref}`,
      subtitle: `共 ${list.length} 件`,
      tone: 'info',
      sections: [{ rows }],
      footer: `下載連結僅限您本人使用一次，有效至 ${formatRocDateTime(expiresAt!)}。下載前會核對雜湊值；每次下載都記錄在事件紀錄上。`,
      fallbackText: `證據清單｜${incident.ref}（${list.length} 件）`,
    });
  }

  // ------------------------------------------------------------------ helpers

  private async takeOffer(actor: Actor, offerId: string): Promise<{ offer: { id: string }; source: OfferSource }> {
    const offer = await this.deps.repos.evidenceOffers.find(offerId);
    if (!offer || offer.personId !== actor.personId || offer.expiresAt < this.deps.now()) throw final(new UserError(ET.offerGone));
    const source = JSON.parse(this.deps.cipher.decrypt(offer.sourceEnc, `evidence-offer:${offer.id}`)) as OfferSource;
    return { offer, source };
  }

  /** The private chat: the form and the list never go to a group (a group gets a short note for the sender only). */
}

/** Marks a refusal as the end of the offer's questions (UserError.final). */
function final(err: UserError): UserError {
  err.final = true;
  return err;
}
