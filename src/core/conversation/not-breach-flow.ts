import type { CoreDeps } from '../context.js';
import { decideNotBreach, notBreachNote, pendingProposal, proposeNotBreach } from '../incidents/not-breach.js';
import type { IncidentService } from '../incidents/service.js';
import { UserError } from '../incidents/types.js';
import { can } from '../roles.js';
import { T } from './texts.js';
import { requireActor, type Ctx, type Turns } from './turn.js';

/**
 * 「判定非個資事件 115-002 隨身碟已尋回，檔案未被開啟」 (src/core/incidents/not-breach.ts): the principal decides,
 * the contact window proposes. And the follow-up of a reported incident (「115-002 隨身碟找到了，不是外洩」, 「誤報」)
 * goes to that incident, never to the offer of a new report.
 */

const REF = String.raw`\d{3}-\d{3}`;
const COMMAND =
  /^(?:@\S+\s+)?(?:判定非個資事件|非個資事件|[/／]not-breach)(?:\s*([\d０-９]{3}[-－][\d０-９]{3}))?\s*[:：，,]?\s*([\s\S]*)$/i;

/** Words of a follow-up saying the reported thing was found or was no breach after all (not a detection list). */
const FOLLOW_UP = /找到了|已找到|找回|尋回|不是外洩|沒有外洩|並未外洩|未外洩|沒外洩|誤報|撤銷/;
/** The words that deny a breach: they make a follow-up of a message that otherwise reads as a leak report. */
const DENIAL = /不是外洩|沒有外洩|並未外洩|未外洩|沒外洩|誤報|撤銷/;

/** Read from the (masked) text as typed: the reason is kept in the person's own punctuation, only the number is normalised. */
export function parseNotBreachCommand(text: string): { ref?: string; reason: string } | null {
  const m = COMMAND.exec(text.trim());
  if (!m) return null;
  return { ...(m[1] ? { ref: m[1].normalize('NFKC').replace('－', '-') } : {}), reason: (m[2] ?? '').trim() };
}

const TX = {
  refNeeded: '請加上事件編號，例如「判定非個資事件 115-002 隨身碟已於12/6尋回，檔案未被開啟」。',
  usage: (ref: string) =>
    `請在指令後寫出判定理由，例如「判定非個資事件 ${ref} 隨身碟已於12/6 08:00在教室尋回，檢查後檔案未被開啟、未外流」。`,
  proposed: (ref: string) =>
    `已記錄：提出事件 ${ref} 判定非個資事件（已寫入事件時間軸）。\n此判定須由管理人（校長）決定：請校長輸入「判定非個資事件 ${ref}」確認，或寫出自己的理由。`,
  decided: (ref: string) => `事件 ${ref} 已判定非個資事件並結案：未完成的檢核項目標示不適用，期限提醒已停止，事件紀錄保留。\n\n`,
  pointer: (refs: string[]) =>
    `這則訊息看來是事件 ${refs.join('、')} 的後續（例如已尋回、經查沒有外洩），不另開新通報。\n` +
    `若經查確實不是個資外洩，請個資聯絡窗口或校長輸入「判定非個資事件 ${refs[0]} 理由」（例如「隨身碟已於12/6尋回，檔案未被開啟」）；` +
    '由校長決定後，事件結案、提醒停止，紀錄仍會保存。\n若這是另一件新的事件，請輸入「通報」。',
};

export class NotBreachFlow {
  constructor(
    private readonly deps: CoreDeps,
    private readonly turns: Turns,
    private readonly incidents: IncidentService,
  ) {}

  async onCommand(ctx: Ctx, cmd: { ref?: string; reason: string }): Promise<void> {
    const actor = requireActor(ctx);
    const incidentId = await this.turns.incidentNamed(actor, cmd.ref ?? ctx.conv.incidentId ?? undefined, {
      refNeeded: TX.refNeeded,
      refUnknown: T.refUnknown,
    });
    const incident = await this.incidents.get(incidentId);
    const ref = incident.incident.ref;
    if (can(actor, 'incident.close')) {
      const reason = cmd.reason || (await pendingProposal(this.deps, incidentId))?.reason || '';
      if (!reason) throw new UserError(TX.usage(ref));
      const view = await decideNotBreach(this.deps, this.incidents.hooks, actor, incidentId, reason);
      const school = await this.deps.repos.schools.find(actor.schoolId);
      await this.turns.answer(ctx, TX.decided(ref) + notBreachNote(view, reason.trim(), actor.displayName, school?.name ?? ''));
      await this.turns.refreshCards(null, view, ['incident', 'checklist']);
      return;
    }
    if (!cmd.reason) throw new UserError(TX.usage(ref));
    await proposeNotBreach(this.deps, actor, incidentId, cmd.reason);
    await this.turns.answer(ctx, TX.proposed(ref));
  }

  /**
   * A follow-up about a reported incident: a message that names an incident of the school by its number, or says it
   * was found / not a breach while the school has incidents open. Answered with the way to record it; true when it was
   * (the caller then makes no offer of a new report).
   */
  async onFollowUp(ctx: Ctx, text: string, readsAsLeak: boolean): Promise<boolean> {
    if (!ctx.actor || !FOLLOW_UP.test(text)) return false;
    const { repos } = this.deps;
    const named: string[] = [];
    for (const m of text.matchAll(new RegExp(REF, 'g'))) {
      const found = await repos.incidents.findByRef(ctx.actor.schoolId, m[0]);
      if (found && !named.includes(found.ref)) named.push(found.ref);
    }
    if (named.length === 0 && ctx.conv.incidentId) {
      const room = await repos.incidents.find(ctx.conv.incidentId);
      if (room) named.push(room.ref);
    }
    // Without a number or a room, a message that reads as a new leak (「找回」 in 「已找回寄錯的信」) is one unless it denies.
    if (named.length === 0 && readsAsLeak && !DENIAL.test(text)) return false;
    if (named.length === 0) {
      const open = await repos.incidents.openIn(ctx.actor.schoolId, 'newest', 5);
      named.push(...open.map((i) => i.ref));
    }
    if (named.length === 0) return false;
    await this.turns.answer(ctx, TX.pointer(named));
    return true;
  }
}
