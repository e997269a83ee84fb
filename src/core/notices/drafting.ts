import type { CoreDeps } from '../context.js';
import type { Actor } from '../roles.js';
import { formatRocDate } from '../time/roc.js';
import { MISSING_EMAIL, MISSING_PHONE, schoolContact } from './contact.js';
import { findMeasures, measuresSentence, refreshMeasures } from './measures.js';
import { AUDIENCES, renderNotice, type Audience, type NoticeFacts, type NoticeTemplates } from './templates.js';
import type { NoticeIncident, NoticeView } from './views.js';

const incidentAad = (incidentId: string, field: string) => `incident:${incidentId}:${field}`;

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
    const facts: NoticeFacts = {
      schoolName: contact.schoolName,
      ref: incident.ref,
      occurredDate: formatRocDate(incident.occurredAt),
      awareDate: formatRocDate(incident.awareAt),
      noticeDate: formatRocDate(deps.now()),
      howLeaked: deps.cipher.decrypt(incident.howLeakedEnc, incidentAad(incident.id, 'howLeaked')).replace(/[。.\s]+$/, ''),
      categories: categories.length ? categories.join('、') : '（評估中）',
      stepsTaken: deps.cipher.decrypt(incident.stepsTakenEnc, incidentAad(incident.id, 'stepsTaken')).replace(/[。.\s]+$/, ''),
      measures: await this.measuresFor(incident),
      contactUnit: contact.unit ?? '個資聯絡窗口',
      contactName: contact.name ?? '',
      contactPhone: contact.phone ?? MISSING_PHONE,
      contactEmail: contact.email ?? MISSING_EMAIL,
    };
    return renderNotice(this.templates.get(audience), facts);
  }

  /** The measures sentence from the incident's checklist as it stands (measures.ts). */
  async measuresFor(incident: NoticeIncident): Promise<string> {
    const rows = await this.deps.prisma.checklistItem.findMany({ where: { incidentId: incident.id } });
    const defs = this.deps.playbooks.get(incident.playbookId).checklist;
    return measuresSentence(rows.map((r) => ({ ...r, def: defs.find((d) => d.key === r.key) })));
  }

  /** The current text with its generated measures sentence brought up to date: the start of the edit form. */
  async refreshedText(view: NoticeView): Promise<string> {
    const sentence = findMeasures(view.text);
    return refreshMeasures(view.text, sentence, await this.measuresFor(view.incident));
  }
}
