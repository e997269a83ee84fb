import type { Card, CardRow, PlatformUser } from '../../ports/chat-model.js';
import type { CoreDeps } from '../context.js';
import { IncidentService } from '../incidents/service.js';
import { STATUS_LABELS, type IncidentStatus } from '../incidents/types.js';
import { can, roleNames, type Actor } from '../roles.js';
import { formatChatDateTime } from '../time/roc.js';
import { myTasks } from './mytasks.js';
import { act } from './render.js';
import { BOT_NAME } from '../bot-name.js';

/** Clocks listed under 「即將到期的時限」. */
const MAX_CLOCKS = 6;
const MAX_INCIDENTS = 15;

export interface HomeOptions {
  /** The app serves the web console: people who may open it get 「開啟主控台」 (the 「主控台」 command, in their DM). */
  console?: boolean;
}

/**
 * A person's own overview, for a platform's personal page (Slack's App Home tab): the open incidents they may see,
 * their tasks (open checklist steps they own) and the clocks due next. Platform-neutral cards; the adapter lays them
 * out. Only what the person's role or involvement allows (roles.ts): a staff member sees the incidents they reported
 * or hold a step of, never the others. An account not linked to a school person gets how to link it.
 */
export async function homeCards(deps: CoreDeps, user: PlatformUser, opts: HomeOptions = {}): Promise<Card[]> {
  const identity = await deps.repos.identities.owner(user.platform, user.externalId);
  const person = identity?.person.active ? identity.person : null;
  if (!person) return [notLinkedCard()];
  const actor: Actor = { personId: person.id, schoolId: person.schoolId, displayName: person.displayName, roles: person.roles };
  const now = deps.now();
  const incidents = new IncidentService(deps);

  const open = await incidents.listOpen(actor.schoolId);
  const owned = await deps.repos.checklist.incidentsOwnedBy(
    actor.personId,
    open.map((i) => i.id),
  );
  const visible = open.filter((i) =>
    can(actor, 'incident.view', { isReporter: i.reporterId === actor.personId, isOwner: owned.has(i.id) }),
  );
  const progress = await deps.repos.checklist.progress(visible.map((i) => i.id));
  const count = (id: string, open?: boolean) =>
    progress.filter((p) => p.incidentId === id && (open === undefined || (p.state === 'open') === open)).reduce((n, p) => n + p.count, 0);

  const header: Card = {
    type: 'card',
    key: 'home',
    title: `${person.displayName}，您好`,
    subtitle: `${person.school.name}｜${roleNames(actor.roles)}`,
    tone: 'info',
    sections: [{ text: '這裡列出您可查看的進行中個資事件、指派給您的檢核項目，以及即將到期的法定時限。事件細節只在私訊或應變室中顯示。' }],
    // The same as typing 「主控台」: the one-time sign-in link comes in the person's private chat with the bot.
    ...(opts.console && can(actor, 'console.open')
      ? { buttons: [{ label: '開啟主控台', action: act.say('主控台'), style: 'primary' as const }] }
      : {}),
    fallbackText: `${person.displayName}，您好`,
  };

  const shown = visible.slice(0, MAX_INCIDENTS);
  const incidentCard: Card = {
    type: 'card',
    key: 'home-incidents',
    title: '進行中的個資事件',
    tone: visible.length ? 'warning' : 'success',
    sections: [
      shown.length
        ? {
            rows: shown.map(
              (i): CardRow => ({
                text: `${i.ref}｜${deps.playbooks.get(i.playbookId).title}`,
                detail: `${STATUS_LABELS[i.status as IncidentStatus] ?? i.status}｜知悉：${formatChatDateTime(i.awareAt)}｜檢核 ${count(i.id) - count(i.id, true)} / ${count(i.id)}`,
                status: 'open',
                buttons: [{ label: '查看', action: act.incident(i.id, 'card') }],
              }),
            ),
          }
        : { text: '目前沒有您可查看的進行中事件。' },
    ],
    ...(visible.length > shown.length ? { footer: `還有 ${visible.length - shown.length} 件，請在私訊輸入「事件」查看。` } : {}),
    fallbackText: `進行中的個資事件：${visible.length} 件`,
  };

  const tasks = await myTasks(deps.repos, actor);
  const tasksCard: Card =
    tasks.type === 'card'
      ? { ...tasks, key: 'home-tasks' }
      : { type: 'card', key: 'home-tasks', title: '我的工作', tone: 'success', sections: [{ text: tasks.text }], fallbackText: tasks.text };

  const due = visible
    .flatMap((i) => incidents.clocksOf(i).map((c) => ({ ref: i.ref, c })))
    .filter(({ c }) => c.applies && c.enabled && !c.pending && c.statutoryEnd)
    .sort((a, b) => a.c.statutoryEnd!.getTime() - b.c.statutoryEnd!.getTime())
    .slice(0, MAX_CLOCKS);
  const clocksCard: Card = {
    type: 'card',
    key: 'home-clocks',
    title: '即將到期的法定時限',
    tone: due.some(({ c }) => c.statutoryEnd! < now) ? 'danger' : 'info',
    sections: [
      due.length
        ? {
            rows: due.map(({ ref, c }): CardRow => {
              const overdue = c.statutoryEnd! < now;
              return {
                text: `${ref}｜${c.label}：${formatChatDateTime(c.statutoryEnd!, { endOfDay: true, now })}${overdue ? '（已逾期）' : ''}`,
                detail: `負責：${c.actorLabel}｜依據：${c.basis}`,
                status: overdue || c.overdueAtAwareness ? 'overdue' : 'open',
              };
            }),
          }
        : { text: '目前沒有計時中的法定時限。' },
    ],
    fallbackText: `即將到期的法定時限：${due.length} 項`,
  };
  return [header, incidentCard, tasksCard, clocksCard];
}

function notLinkedCard(): Card {
  return {
    type: 'card',
    key: 'home',
    title: BOT_NAME,
    tone: 'info',
    sections: [
      {
        heading: '您的帳號尚未連結到學校的人員名冊',
        text: [
          '連結後，這裡會列出您的個資事件、檢核項目與法定時限。',
          '1. 請校長或個資聯絡窗口為您產生一次性綁定碼（在與小幫手的私訊輸入「產生綁定碼 您的姓名」）。',
          '2. 在與小幫手的私訊輸入「綁定 123456」（換成您的綁定碼）。',
          '發現個資外洩時，即使尚未連結，也請立即告知個資聯絡窗口。',
        ].join('\n'),
      },
    ],
    fallbackText: '您的帳號尚未連結到學校的人員名冊：請向校長或個資聯絡窗口取得綁定碼，在私訊輸入「綁定 123456」。',
  };
}
