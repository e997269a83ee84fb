import type { CoreDeps } from '../context.js';
import type { Actor } from '../roles.js';
import { formatRocDate } from '../time/roc.js';
import { MISSING_EMAIL, MISSING_PHONE, schoolContact } from './contact.js';
import { findMeasures, measuresSentence, refreshMeasures } from './measures.js';
import { AUDIENCES, renderNotice, type Audience, type NoticeFacts, type NoticeTemplates } from './templates.js';
import type { NoticeIncident, NoticeView } from './views.js';

const incidentAad = (incidentId: string, field: string) => `incident:${incidentId}:${field}`;

/** How many people: the assessment's counts when it has them, else the reporter's estimate; null when unknown. */
function affectedCount(incident: NoticeIncident): number | null {
  const counted = (incident.studentsCount ?? 0) + (incident.staffCount ?? 0) + (incident.othersCount ?? 0);
  if (counted > 0) return counted;
  return incident.affectedEstimate && incident.affectedEstimate > 0 ? incident.affectedEstimate : null;
}

/**
 * What a notice starts from: the first draft from the audience's template filled with the incident's facts and the
 * school's contact, the measures sentence from the checklist as it stands, and the audiences the assessment suggests.
 */
export class NoticeDrafting {
  constructor(
    private readonly deps: CoreDeps,
    private readonly templates: NoticeTemplates,
  ) {}

  /** Audiences the assessment points at (minors → their guardians), for the drafter's suggestions. */
  suggestedAudiences(incident: NoticeIncident): Audience[] {
    const out = new Set<Audience>();
    const kinds = new Set(incident.affectedKinds);
    const minors = incident.minorsCount ?? 0;
    const students = incident.studentsCount ?? 0;
    if (minors > 0 || kinds.has('guardians') || kinds.has('students')) out.add('guardians');
    if (students > minors) out.add('adult-students');
    if ((incident.staffCount ?? 0) > 0 || kinds.has('staff')) out.add('staff');
    if ((incident.othersCount ?? 0) > 0 || kinds.has('others')) out.add('others');
    return AUDIENCES.filter((a) => out.has(a));
  }

  /** The first draft for one audience. */
  async initialText(incident: NoticeIncident, audience: Audience, actor: Actor): Promise<string> {
    const { deps } = this;
    const contact = await schoolContact(deps.repos, incident.schoolId, actor);
    const categories = incident.categories.map((k) => deps.playbooks.category(k)?.label ?? k);
    const awareDate = formatRocDate(incident.awareAt);
    const occurredDate = formatRocDate(incident.occurredAt);
    const affected = affectedCount(incident);
    // The facts come from structured fields only: the reporter's typed 外洩經過 (names, addresses, internal details)
    // and 已採取的處置 are never quoted to the people affected (docs/notices.md).
    const facts: NoticeFacts = {
      schoolName: contact.schoolName,
      ref: incident.ref,
      occurredDate,
      awareDate,
      noticeDate: formatRocDate(deps.now()),
      occurredClause: occurredDate === awareDate ? '' : `（事件發生於${occurredDate}）`,
      what: this.what(incident),
      affected: affected ? `，人數約${affected}人` : '',
      categories: categories.length ? categories.join('、') : '（評估中）',
      measures: await this.measuresFor(incident),
      contactUnit: contact.unit ?? '個資聯絡窗口',
      contactName: contact.name ?? '',
      contactPhone: contact.phone ?? MISSING_PHONE,
      contactEmail: contact.email ?? MISSING_EMAIL,
    };
    return renderNotice(this.templates.get(audience), facts);
  }

  /** The kind of incident in plain words: the scenario's description (the general playbook says only that data leaked). */
  private what(incident: NoticeIncident): string {
    const playbook = this.deps.playbooks.get(incident.playbookId);
    if (playbook.extends === undefined) return '本校保管的個人資料可能外洩';
    return playbook.description.replace(/[。.\s]+$/, '');
  }

  /** The measures sentence from the incident's checklist as it stands (measures.ts). */
  async measuresFor(incident: NoticeIncident): Promise<string> {
    const rows = await this.deps.repos.checklist.ofIncident(incident.id);
    const defs = this.deps.playbooks.get(incident.playbookId).checklist;
    return measuresSentence(
      rows.map((r) => ({
        ...r,
        note: r.noteEnc ? this.deps.cipher.decrypt(r.noteEnc, incidentAad(incident.id, `checklist:${r.key}`)) : null,
        def: defs.find((d) => d.key === r.key),
      })),
    );
  }

  /** The current text with its generated measures sentence brought up to date: the start of the edit form. */
  async refreshedText(view: NoticeView): Promise<string> {
    const sentence = findMeasures(view.text);
    return refreshMeasures(view.text, sentence, await this.measuresFor(view.incident));
  }
}
