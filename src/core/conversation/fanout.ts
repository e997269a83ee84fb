import type { ChatAdapter } from '../../ports/chat.js';
import type { ConversationAddress, TextMessage } from '../../ports/chat-model.js';
import type { ConversationRecord } from '../../ports/repositories/index.js';
import type { CoreDeps } from '../context.js';
import type { IncidentService, IncidentView } from '../incidents/service.js';
import { withMentions } from '../people/mentions.js';
import { can } from '../roles.js';
import { cyberFirstLine } from './cyber.js';
import { contactWindowChats, reachPrivately } from './reach.js';
import { checklistCard, deadlineNews, incidentCard } from './render.js';
import { isResponsePlace, openRoom, ROOM_TEXTS } from './rooms.js';
import { T } from './texts.js';
import { addressOf, type Turns } from './turn.js';

/** A new incident's fan-out: the reporter, the incident's room or the response team, and the group it came from. */
export class IncidentFanout {
  constructor(
    private readonly deps: CoreDeps,
    private readonly turns: Turns,
    private readonly incidents: IncidentService,
  ) {}

  /**
   * Where the new incident goes: the reporter privately, the incident's room or the response team, and a detail-free
   * pointer to the group it came from. Details only ever go to a private chat, a response group or the incident's
   * room: a report filled in a group (a private form there, no private chat possible) gets a detail-free answer in that
   * group, and when no responder can be reached at all, the group is told who must act and how.
   */
  async deliverNewIncident(adapter: ChatAdapter, intakeAddr: ConversationAddress, view: IncidentView, originConversationId: string) {
    const ref = view.incident.ref;
    const schoolId = view.incident.schoolId;
    const how = reachPrivately(adapter);
    const intakeConv = await this.turns.conversationRow(intakeAddr, schoolId);
    const intakePrivate = intakeConv.kind === 'direct' || isResponsePlace(intakeConv, schoolId, view.incident.id);
    await this.turns.say(intakeAddr, {
      type: 'text',
      text: intakePrivate ? T.reported(ref) : T.reportedNotHere(ref, view.reporterName, how),
    });
    const origin = await this.deps.repos.conversations.find(originConversationId);
    const wide = origin && origin.id !== intakeConv.id && !isResponsePlace(origin, schoolId, view.incident.id) ? origin : null;
    const delivered = await this.deliverToTeam(adapter, view, intakeConv, origin);
    if (wide) await this.turns.say(addressOf(wide), { type: 'text', text: T.pointer(ref) });
    if (intakePrivate) {
      // The reporter's own cards come last, so they show the report to the window already recorded. In a private chat
      // a reporter who is not a responder sees only the items they own; the full checklist is the responders'.
      const latest = delivered ?? view;
      const reporter = await this.deps.repos.people.find(view.incident.reporterId);
      if (!reporter) throw new Error(`Reporter ${view.incident.reporterId} of incident ${view.incident.id} not found`);
      const onlyMine = intakeConv.kind === 'direct' && !can({ roles: reporter.roles }, 'incident.act');
      await this.turns.postCard(adapter, intakeAddr, intakeConv.id, view.incident.id, incidentCard(latest, this.deps.now()));
      await this.turns.postCard(
        adapter,
        intakeAddr,
        intakeConv.id,
        view.incident.id,
        checklistCard(latest, onlyMine ? reporter.id : undefined),
      );
    }
    if (delivered) return;
    // Nobody responsible can see the details: the wide group (or the reporter) is told who must act and how.
    const windows = await this.deps.repos.people.activeWithRole(schoolId, 'contactWindow');
    const notice: TextMessage = { type: 'text', text: T.teamUnreachable(ref, how) };
    const target = !intakePrivate ? intakeAddr : wide ? addressOf(wide) : intakeAddr;
    await this.turns.say(
      target,
      target.kind === 'group'
        ? await withMentions(
            this.deps.repos,
            notice,
            windows.map((w) => w.id),
          )
        : notice,
    );
    this.deps.log.warn(
      { incidentId: view.incident.id, platform: adapter.platform },
      'new incident: no incident room, response group or contact window could be reached; the group was told who must act',
    );
  }

  /**
   * The response team's copy: the incident's room, the response groups, or the contact windows privately (here, or
   * else on another platform). The first delivery that reaches a contact window is the report to the window (seed 004
   * pt. 45): it is recorded and ticks that item (IncidentService.recordWindowReport). Returns the incident as it is
   * after that, or null when no responder could be reached anywhere.
   */
  private async deliverToTeam(
    adapter: ChatAdapter,
    first: IncidentView,
    intakeConv: ConversationRecord,
    origin: ConversationRecord | null,
  ): Promise<IncidentView | null> {
    let view = first;
    const ref = view.incident.ref;
    // The 1-hour cyber report, when it applies, comes first in words (cyber.ts).
    const cyberLine = await cyberFirstLine(this.deps, view);
    const firstWords = (text: string) => (cyberLine ? `${cyberLine}\n${text}` : text);
    const record = async (where: string) => {
      if (await this.incidents.recordWindowReport(view.incident.id, this.deps.now(), where))
        view = await this.incidents.get(view.incident.id);
    };
    const team = await this.deps.repos.conversations.responseGroups({ schoolId: view.incident.schoolId, platform: adapter.platform });
    // Where the platform can, the incident gets its own private room with the responders; the wide conversations
    // (the response group and the one the report came from) only get a pointer to it.
    const nearConv = team[0] ?? (origin && origin.platform === adapter.platform && origin.kind === 'group' ? origin : null);
    const room = await openRoom(this.deps, adapter, view.incident, nearConv ? addressOf(nearConv) : null);
    const cards = async (a: ChatAdapter, addr: ConversationAddress, convId: string) => {
      await this.turns.postCard(a, addr, convId, view.incident.id, incidentCard(view, this.deps.now()));
      await this.turns.postCard(a, addr, convId, view.incident.id, checklistCard(view));
    };
    if (room) {
      await this.turns.say(room.addr, {
        type: 'text',
        text: firstWords(ROOM_TEXTS.welcome(ref, view.reporterName, deadlineNews(view, this.deps.now()))),
      });
      await record(room.conv.title ?? room.addr.title ?? '事件專屬頻道');
      await cards(adapter, room.addr, room.conv.id);
      const roomLabel = room.conv.title ?? room.addr.title ?? '';
      for (const conv of team) {
        if (conv.id !== intakeConv.id) await this.turns.say(addressOf(conv), { type: 'text', text: ROOM_TEXTS.pointer(ref, roomLabel) });
      }
      return view;
    }
    let reached = false;
    for (const conv of team) {
      reached = true;
      await record(conv.title ?? '應變小組群組');
      if (conv.id === intakeConv.id) continue; // its cards are posted as the reporter's
      const addr = addressOf(conv);
      // The responders who own the checklist's steps are @mentioned in the response group (where the platform can).
      const ownerRoles = [...new Set(view.checklist.map((c) => c.row.ownerRole).filter((r) => r !== 'unit'))];
      const responders = await this.deps.repos.people.activeWithAnyRole(view.incident.schoolId, ownerRoles);
      await this.turns.say(
        addr,
        await withMentions(
          this.deps.repos,
          { type: 'text', text: firstWords(T.newIncidentForTeam(ref, view.reporterName, deadlineNews(view, this.deps.now()))) },
          responders.map((r) => r.id),
        ),
      );
      await cards(adapter, addr, conv.id);
    }
    if (reached) return view;
    // No response group on this platform: the contact windows get it privately, here or else on another platform.
    let chats = await contactWindowChats(this.deps, [adapter], view.incident.schoolId);
    if (chats.length === 0)
      chats = await contactWindowChats(this.deps, this.turns.adapters(), view.incident.schoolId, { exceptPlatform: adapter.platform });
    for (const c of chats) {
      reached = true;
      await record('個資聯絡窗口私訊');
      if (c.addr.platform === intakeConv.platform && c.addr.externalId === intakeConv.externalId) continue;
      const conv = await this.turns.conversationRow(c.addr, view.incident.schoolId);
      await this.turns.say(c.addr, {
        type: 'text',
        text: firstWords(T.newIncidentForTeam(ref, view.reporterName, deadlineNews(view, this.deps.now()))),
      });
      await cards(c.adapter, c.addr, conv.id);
    }
    return reached ? view : null;
  }
}
