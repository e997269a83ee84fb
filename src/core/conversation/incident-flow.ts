import type { PromptRecord } from '../../ports/repositories/index.js';
import type { Card } from '../../ports/chat-model.js';
import type { CoreDeps } from '../context.js';
import type { IncidentService, IncidentView } from '../incidents/service.js';
import { STATUS_LABELS, UserError, type Assessment } from '../incidents/types.js';
import { itemActRefusal } from '../incidents/item-roles.js';
import { schoolKeepList } from '../privacy/kept.js';
import { maskPersonalData, privacyNotice, type MaskFinding } from '../privacy/mask.js';
import { can, type Actor } from '../roles.js';
import { formatChatDateTime } from '../time/roc.js';
import { act, formIds, type IncidentWhat, type ItemTo } from './actions.js';
import { parseBoolean, validateField } from './intake.js';
import { ItemConsole } from './item-console.js';
import { itemAsksNow, itemForm, readItemForm } from './item-form.js';
import type { PromptStore } from './prompts.js';
import { reachPrivately } from './reach.js';
import { assessmentForm, checklistCard, incidentCard, itemDetailText, summaryText } from './render.js';
import { isResponsePlace } from './rooms.js';
import { type FormSteps, fitsAsForm } from './steps.js';
import { T } from './texts.js';
import {
  asksCompletionTime,
  completionForm,
  correctionForm,
  endingForm,
  openBeforeEnding,
  openItemsCard,
  readCompletion,
  readCorrection,
  readEnding,
} from './times.js';
import { requireActor, type Ctx, type Place, type Turns } from './turn.js';
import { announceLevelChange } from './cyber.js';

interface ItemPromptState {
  itemId: string;
  to: 'done' | 'na';
  title: string;
}

type Values = Record<string, string | string[]>;
type ShowWhat = 'summary' | 'checklist' | 'assess' | 'card' | 'end' | 'fix';

/** Checklist steps taken outside a chat turn (the web console); refusals are UserError in zh-TW, as in chat. */
export interface ChecklistConsoleActions {
  tick(actor: Actor, itemId: string, to: 'done' | 'na', note: string): Promise<{ title: string; changed: boolean; masked: MaskFinding[] }>;
  /**
   * The assessment form of chat (assessmentForm) sent from the console's editor: the same checks and service step,
   * refused with ASSESSMENT_EDITED_MEANWHILE when the incident changed after `basedOn` (its version when the form opened).
   */
  assess(actor: Actor, incidentId: string, basedOn: number, values: Values): Promise<IncidentView>;
  /** The items that ask more than a note (their chat form, item-console.ts) and 重新開啟. */
  items: ItemConsole;
}

/**
 * An incident once filed: showing it (card, checklist, summary, the list of open ones), its buttons (advance, 處理結束,
 * corrections), ticking checklist items (a reason, a note or an item's own form), the assessment and the times forms.
 */
export class IncidentFlow {
  /** The checklist tick of the web console (src/web/console), through the same service step as the chat's buttons. */
  readonly console: ChecklistConsoleActions;

  constructor(
    private readonly deps: CoreDeps,
    private readonly turns: Turns,
    private readonly prompts: PromptStore,
    private readonly forms: FormSteps,
    private readonly incidents: IncidentService,
  ) {
    this.console = {
      tick: (...args) => this.tickFromConsole(...args),
      assess: (...args) => this.assessFromConsole(...args),
      items: new ItemConsole(deps, turns, incidents),
    };
  }

  /** An incident's button (`inc:<id>:<what>`); `what` null is a button this version does not know. */
  async onAction(ctx: Ctx, incidentId: string, what: IncidentWhat | null): Promise<void> {
    const actor = requireActor(ctx);
    switch (what) {
      case 'checklist':
      case 'summary':
      case 'assess':
      case 'card':
      // 處理結束 asks for its real time and settles every open item first (a form, src/core/conversation/times.ts).
      case 'end':
      case 'fix':
        return this.showIncident(ctx, incidentId, what);
      case 'notifying':
      case 'close': {
        const view = await this.incidents.advance(actor, incidentId, what === 'notifying' ? 'notifying' : 'closed');
        return this.turns.refreshCards(ctx, view, ['incident']);
      }
      case null:
        throw new UserError(T.promptExpired);
    }
  }

  /** The reason or note of an item, sent as a form (`item:<prompt>`). */
  onItemNoteForm(ctx: Ctx, prompt: PromptRecord, values: Values): Promise<void> {
    const note = Array.isArray(values.note) ? values.note.join('、') : (values.note ?? '');
    return this.finishItemPrompt(ctx, prompt, note);
  }

  /** Whether incident details may be shown in this conversation to this person. */
  private mayShowHere(ctx: Ctx, actor: Actor, view: IncidentView): boolean {
    if (ctx.conv.kind === 'direct') {
      return can(actor, 'incident.view', {
        isReporter: view.incident.reporterId === actor.personId,
        isOwner: view.checklist.some((c) => c.row.ownerPersonId === actor.personId),
      });
    }
    return isResponsePlace(ctx.conv, view.incident.schoolId, view.incident.id);
  }

  async showIncident(ctx: Ctx, incidentId: string, what: ShowWhat): Promise<void> {
    const actor = requireActor(ctx);
    const view = await this.incidents.get(incidentId);
    if (view.incident.schoolId !== actor.schoolId) throw new UserError(T.refUnknown(''));
    const involvement = {
      isReporter: view.incident.reporterId === actor.personId,
      isOwner: view.checklist.some((c) => c.row.ownerPersonId === actor.personId),
    };
    if (!can(actor, 'incident.view', involvement)) return this.turns.answer(ctx, T.detailsNotAllowed);
    // Asked before the form, so nobody answers its questions only to be refused at the end.
    if ((what === 'end' || what === 'fix') && !can(actor, 'incident.coordinate')) {
      throw new UserError(what === 'end' ? '只有個資聯絡窗口或校長可以變更事件階段。' : '只有個資聯絡窗口或校長可以更正事件時間。');
    }
    if (
      what === 'end' &&
      view.status !== 'assessing' &&
      view.status !== 'notifying' &&
      view.status !== 'containing' &&
      view.status !== 'reported'
    ) {
      throw new UserError(`事件 ${view.incident.ref} 目前為「${STATUS_LABELS[view.status]}」，不能再標示處理結束。`);
    }
    const reach = {
      here: this.mayShowHere(ctx, actor, view),
      moved: T.detailsOnlyPrivately,
      noDirect: T.cannotShowHere(reachPrivately(ctx.adapter)),
      onlyFor: true,
    };
    return this.turns.privately(ctx, actor, reach, (place) => this.show(actor, view, what, place));
  }

  /** An incident's summary, card, checklist or form, in a place it may be shown. */
  private async show(actor: Actor, view: IncidentView, what: ShowWhat, place: Place): Promise<void> {
    const { addr: where, convId: whereConvId, adapter } = place;
    const now = this.deps.now();
    if (what === 'summary') return this.turns.say(where, { type: 'text', text: summaryText(view, now) });
    if (what === 'assess') return this.forms.send(adapter, where, whereConvId, actor.personId, assessmentForm(view, this.deps.playbooks));
    if (what === 'end' && openBeforeEnding(view, this.deps.clockRules).length > 0)
      return this.turns.say(where, openItemsCard(view, this.deps.clockRules));
    if (what === 'end') return this.forms.send(adapter, where, whereConvId, actor.personId, endingForm(view, now));
    if (what === 'fix') return this.forms.send(adapter, where, whereConvId, actor.personId, correctionForm(view, now));
    const card = what === 'card' ? incidentCard(view, now) : checklistCard(view, can(actor, 'incident.act') ? undefined : actor.personId);
    await this.turns.postCard(adapter, where, whereConvId, view.incident.id, card, true);
  }

  async listIncidents(ctx: Ctx): Promise<void> {
    const actor = requireActor(ctx);
    const open = await this.incidents.listOpen(actor.schoolId);
    if (open.length === 0) return this.turns.say(ctx.addr, { type: 'text', text: T.noOpenIncidents });
    // 查看 only where the card may be opened: the response group, or a private chat of someone allowed to see it.
    const here = ctx.conv.kind === 'direct' || ctx.conv.purpose === 'response';
    const owned = await this.deps.repos.checklist.incidentsOwnedBy(
      actor.personId,
      open.map((i) => i.id),
    );
    const detailed = (i: (typeof open)[number]) =>
      here && can(actor, 'incident.view', { isReporter: i.reporterId === actor.personId, isOwner: owned.has(i.id) });
    const card: Card = {
      type: 'card',
      title: '進行中的個資事件',
      sections: [
        {
          rows: open.map((i) => ({
            text: `${i.ref}｜${this.deps.playbooks.get(i.playbookId).title}`,
            detail: `知悉：${formatChatDateTime(i.awareAt)}`,
            status: 'open' as const,
            ...(detailed(i) ? { buttons: [{ label: '查看', action: act.incident(i.id, 'card') }] } : {}),
          })),
        },
      ],
      fallbackText: `進行中的個資事件：${open.map((i) => i.ref).join('、')}`,
    };
    return this.turns.say(ctx.addr, card);
  }

  // ------------------------------------------------------------------ checklist and assessment

  async onItemAction(ctx: Ctx, itemId: string, to: ItemTo): Promise<void> {
    const actor = requireActor(ctx);
    const item = await this.deps.repos.checklist.find(itemId);
    if (!item) throw new UserError('找不到這個檢核項目。');
    const view = await this.incidents.get(item.incidentId);
    const entry = view.checklist.find((c) => c.row.id === itemId)!;
    if (to === 'o') {
      const r = await this.incidents.setChecklistState(actor, itemId, 'open', null);
      return this.turns.refreshCards(ctx, r.view, ['checklist', 'incident']);
    }
    // Items that ask more than a note get a form of their own: the real completion time of an item that starts a clock
    // (cyber recovery), or a plan with its date, the cyber level, a delay reason (playbook `asks`).
    const asks = to === 'd' ? itemAsksNow(view, entry, 'done', this.deps.now()) : [];
    if (to === 'd' && (asksCompletionTime(entry) || asks.length > 0)) {
      const refusal = itemActRefusal(view.playbook, actor, item);
      if (refusal) throw new UserError(refusal);
      if (entry.state === 'done') return this.turns.say(ctx.addr, { type: 'text', text: `「${item.title}」已經完成了。` });
      const form = asksCompletionTime(entry) ? completionForm(entry, this.deps.now()) : itemForm(view, entry, asks, this.deps.now());
      return this.forms.send(ctx.adapter, ctx.addr, ctx.conv.id, actor.personId, form);
    }
    if (to === 'd' && !entry.requiresEvidence) {
      const r = await this.incidents.setChecklistState(actor, itemId, 'done', null);
      if (!r.changed) return this.turns.say(ctx.addr, { type: 'text', text: `「${item.title}」已經完成了。` });
      return this.turns.refreshCards(ctx, r.view, ['checklist', 'incident']);
    }
    // Not applicable needs a reason; some items need a note of what was done. Check permission before asking.
    const refusal = itemActRefusal(view.playbook, actor, item);
    if (refusal) throw new UserError(refusal);
    const state: ItemPromptState = { itemId, to: to === 'n' ? 'na' : 'done', title: item.title };
    const prompt = await this.prompts.create(ctx.conv.id, actor.personId, 'item', state);
    const question = state.to === 'na' ? T.askNaReason(item.title) : T.askEvidence(item.title, entry.requiresEvidence ?? '');
    if (ctx.adapter.capabilities.maxFormFields >= 1) {
      return void (await ctx.adapter.send(ctx.addr, {
        type: 'form',
        formId: formIds.itemNote(prompt.id),
        title: item.title,
        intro: `${question}\n\n${itemDetailText(entry)}`,
        fields: [{ id: 'note', label: state.to === 'na' ? '不適用原因' : '完成情形', type: 'text', required: true, maxLength: 300 }],
        submitLabel: '送出',
        cancelAction: act.cancelPrompt(prompt.id),
        fallbackText: question,
      }));
    }
    return this.turns.say(ctx.addr, {
      type: 'text',
      text: question,
      quickReplies: [{ label: '取消', action: act.cancelPrompt(prompt.id) }],
    });
  }

  /**
   * An item ticked in the console: done or not applicable with a note (masked as in chat; required for not applicable
   * and where the item asks what was done). The chat's checklist and incident cards are edited where they were posted.
   * An item that asks more (the real completion time, a plan, a level, a delay reason) has its own form, in chat and in
   * the console (ItemConsole).
   */
  private async tickFromConsole(actor: Actor, itemId: string, to: 'done' | 'na', rawNote: string) {
    const item = await this.deps.repos.checklist.find(itemId);
    if (!item) throw new UserError('找不到這個檢核項目。');
    const view = await this.incidents.get(item.incidentId);
    const entry = view.checklist.find((c) => c.row.id === itemId)!;
    if (
      to === 'done' &&
      entry.state !== 'done' &&
      (asksCompletionTime(entry) || itemAsksNow(view, entry, 'done', this.deps.now()).length > 0)
    ) {
      throw new UserError(`「${item.title}」要填寫的資料較多（實際完成時間、計畫、等級或遲延原因），請按「填寫並完成」填寫。`);
    }
    const school = await this.deps.repos.schools.find(actor.schoolId);
    const masked = maskPersonalData(rawNote.trim(), { now: this.deps.now(), keep: schoolKeepList(school) });
    const note = masked.text.slice(0, 300) || null;
    if (!note && to === 'na') throw new UserError(T.askNaReason(item.title));
    if (!note && to === 'done' && entry.requiresEvidence) throw new UserError(T.askEvidence(item.title, entry.requiresEvidence));
    const r = await this.incidents.setChecklistState(actor, itemId, to, note);
    if (r.changed) await this.turns.refreshCards(null, r.view, ['checklist', 'incident']);
    return { title: item.title, changed: r.changed, masked: masked.findings };
  }

  /** The tick form of an item that asks a plan, a level or a delay reason (item-form.ts). */
  async submitItemForm(ctx: Ctx, itemId: string, values: Values): Promise<void> {
    const actor = requireActor(ctx);
    const item = await this.deps.repos.checklist.find(itemId);
    if (!item) throw new UserError('找不到這個檢核項目。');
    const view = await this.incidents.get(item.incidentId);
    const entry = view.checklist.find((c) => c.row.id === itemId)!;
    const now = this.deps.now();
    const read = readItemForm(values, view.playbook.checklist.find((i) => i.key === item.key)?.asks ?? [], now);
    if (read.masked.length) await this.turns.say(ctx.addr, { type: 'text', text: privacyNotice(read.masked) });
    const r = await this.incidents.setChecklistState(actor, itemId, 'done', read.note, { facts: read.facts });
    if (!r.changed) return this.turns.say(ctx.addr, { type: 'text', text: `「${entry.row.title}」已經完成了。` });
    await this.turns.refreshCards(ctx, r.view, ['checklist', 'incident']);
    if (r.levelChange) await announceLevelChange(this.deps, this.turns, r.view, r.levelChange, ctx.addr);
  }

  async finishItemPrompt(ctx: Ctx, prompt: PromptRecord, rawNote: string): Promise<void> {
    const actor = requireActor(ctx);
    const state = this.prompts.state<ItemPromptState>(prompt);
    const masked = maskPersonalData(rawNote.trim(), { now: this.deps.now(), keep: ctx.keep });
    if (!masked.text)
      return this.turns.say(ctx.addr, { type: 'text', text: state.to === 'na' ? T.askNaReason(state.title) : '請簡述完成情形。' });
    if (masked.masked) await this.turns.say(ctx.addr, { type: 'text', text: privacyNotice(masked.findings) });
    const r = await this.incidents.setChecklistState(actor, state.itemId, state.to, masked.text.slice(0, 300));
    await this.deps.repos.prompts.close(prompt.id, 'done');
    return this.turns.refreshCards(ctx, r.view, ['checklist', 'incident']);
  }

  /** The forms of times.ts: 處理結束 (end), a correction (fix), the recovery item's completion time (done). */
  async submitTimes(ctx: Ctx, kind: 'end' | 'fix' | 'done', id: string, values: Values): Promise<void> {
    const actor = requireActor(ctx);
    const now = this.deps.now();
    if (kind === 'done') {
      const item = await this.deps.repos.checklist.find(id);
      if (!item) throw new UserError('找不到這個檢核項目。');
      const entry = (await this.incidents.get(item.incidentId)).checklist.find((c) => c.row.id === id)!;
      const { at, note } = readCompletion(entry, values, now);
      const r = await this.incidents.setChecklistState(actor, id, 'done', note, { happenedAt: at });
      if (!r.changed) return this.turns.say(ctx.addr, { type: 'text', text: `「${item.title}」已經完成了。` });
      return this.turns.refreshCards(ctx, r.view, ['checklist', 'incident']);
    }
    const current = await this.incidents.get(id);
    const form = kind === 'end' ? endingForm(current, now) : correctionForm(current, now);
    let view: IncidentView;
    try {
      if (kind === 'end') view = await this.incidents.endHandling(actor, id, readEnding(current, values, now));
      else {
        const c = readCorrection(current, values, now);
        view = await this.incidents.correctTime(actor, id, c.field, c.to, c.reason);
      }
    } catch (err) {
      // A whole form came back: say what is wrong and show it again with what was entered, so nothing is lost.
      // (Forms asked in steps or pages are re-asked by FormSteps, which sees the same error.)
      if (!(err instanceof UserError) || !fitsAsForm(ctx.adapter, form)) throw err;
      await this.turns.say(ctx.addr, { type: 'text', text: err.message });
      return void (await ctx.adapter.send(ctx.addr, {
        ...form,
        fields: form.fields.map((f) => {
          const v = values[f.id];
          return v === undefined ? f : { ...f, initial: typeof v === 'string' ? maskPersonalData(v, { now }).text : v };
        }),
      }));
    }
    if (kind === 'end')
      await this.turns.say(ctx.addr, { type: 'text', text: T.handlingEnded(view.incident.ref, view.incident.handlingEndedAt!) });
    else await this.turns.say(ctx.addr, { type: 'text', text: T.timeCorrected(view.incident.ref) });
    return this.turns.refreshCards(ctx, view, kind === 'end' ? ['checklist', 'incident'] : ['incident']);
  }

  async submitAssessment(ctx: Ctx, incidentId: string, values: Values): Promise<void> {
    const actor = requireActor(ctx);
    const current = await this.incidents.get(incidentId);
    const view = await this.incidents.recordAssessment(actor, incidentId, this.readAssessment(current, values));
    await this.turns.say(ctx.addr, { type: 'text', text: T.assessmentSaved(view.incident.ref) });
    const itemsAdded = view.checklist.length !== current.checklist.length;
    return this.turns.refreshCards(ctx, view, itemsAdded ? ['checklist', 'incident'] : ['incident']);
  }

  /** The console's assessment editor: chat's form and step; the chat's cards are edited where they were posted. */
  private async assessFromConsole(actor: Actor, incidentId: string, basedOn: number, values: Values): Promise<IncidentView> {
    const current = await this.incidents.get(incidentId);
    if (current.incident.schoolId !== actor.schoolId) throw new UserError(T.refUnknown(''));
    const view = await this.incidents.recordAssessment(actor, incidentId, this.readAssessment(current, values), { basedOn });
    const itemsAdded = view.checklist.length !== current.checklist.length;
    await this.turns.refreshCards(null, view, itemsAdded ? ['checklist', 'incident'] : ['incident']);
    return view;
  }

  /** The assessment form's answers, checked field by field as any form of chat (validateField). */
  private readAssessment(current: IncidentView, values: Values): Assessment {
    const form = assessmentForm(current, this.deps.playbooks);
    const out: Record<string, unknown> = {};
    const problems: string[] = [];
    for (const f of form.fields) {
      const r = validateField(f, values[f.id], this.deps.now());
      if (!r.ok) problems.push(r.message);
      else out[f.id] = r.value;
    }
    if (problems.length) throw new UserError(T.problems(problems));
    return {
      categories: out.categories as string[],
      studentsCount: out.studentsCount as number | null,
      guardiansCount: out.guardiansCount as number | null,
      staffCount: out.staffCount as number | null,
      othersCount: out.othersCount as number | null,
      minorsCount: out.minorsCount as number | null,
      involvesSystem: (out.involvesSystem as boolean | null) ?? parseBoolean(String(values.involvesSystem ?? '')) ?? false,
      systemRecordsHeld: out.systemRecordsHeld as number | null,
      ...(out.occurredAt ? { occurredAt: out.occurredAt as Date } : {}),
      ...(out.correctionReason ? { correctionReason: out.correctionReason as string } : {}),
    };
  }
}
