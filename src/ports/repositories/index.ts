/**
 * Storage behind ports (issue #17 step 3): what the core reads and writes, as repositories of domain records, so that
 * only src/storage/ knows the database and its client. Each domain has its file here (the records and the repository
 * interface) and its implementation in src/storage/repositories/ (docs/architecture.md, "Storage behind ports").
 *
 * A service gets the hub from `CoreDeps.repos`: `deps.repos.people.…` reads and writes on its own; a change that must
 * be atomic runs in `deps.repos.transaction(async (tx) => { tx.people.…; tx.timeline.… })`, where every repository of
 * `tx` writes in that one transaction.
 */
import type { BindingRepository } from './bindings.js';
import type { PostedCardRepository } from './cards.js';
import type { OneShotChoiceRepository } from './choices.js';
import type { ConsoleSessionRepository } from './console.js';
import type { ConversationRepository, IdentityRepository } from './conversations.js';
import type { EvidenceOfferRepository, EvidenceRepository } from './evidence.js';
import type { DiscordFormRepository } from './discord.js';
import type { ChecklistRepository, ClockScheduleRepository, IncidentRepository } from './incidents.js';
import type { KeyRotationRepository } from './keys.js';
import type { LineFriendRepository, LineQuotaWarningRepository } from './line.js';
import type { LocalChatRepository } from './local-chat.js';
import type { DocumentLinkRepository, NoticeRepository, SubjectNoticeRepository } from './notices.js';
import type { OutboundLedgerRepository } from './outbound.js';
import type { PeopleRepository } from './people.js';
import type { PromptRepository } from './prompts.js';
import type { RetentionRepository } from './retention.js';
import type { SchoolRepository } from './schools.js';
import type { TimelineRepository } from './timeline.js';
import type { WebFormUseRepository } from './web-forms.js';

export type * from './bindings.js';
export type * from './cards.js';
export type * from './choices.js';
export type * from './console.js';
export type * from './conversations.js';
export type * from './evidence.js';
export type * from './incidents.js';
export type * from './discord.js';
export type * from './keys.js';
export type * from './line.js';
export type * from './local-chat.js';
export type * from './notices.js';
export type * from './outbound.js';
export type * from './people.js';
export type * from './prompts.js';
export type * from './retention.js';
export type * from './schools.js';
export type * from './timeline.js';
export type * from './web-forms.js';

/** The repositories over one connection, or over one transaction. */
export interface Repositories {
  schools: SchoolRepository;
  people: PeopleRepository;
  /** The incidents themselves (incident). */
  incidents: IncidentRepository;
  /** Their checklists (checklist_item). */
  checklist: ChecklistRepository;
  /** The reminders planned for each clock of an incident (clock_schedule). */
  clockSchedules: ClockScheduleRepository;
  timeline: TimelineRepository;
  retention: RetentionRepository;
  bindings: BindingRepository;
  /** The one outbound ledger of every adapter (outbound_message). */
  outbound: OutboundLedgerRepository;
  /** Forms the Discord adapter offered as buttons (discord_form). */
  discordForms: DiscordFormRepository;
  /** LINE users who have the bot as a friend (line_friend). */
  lineFriends: LineFriendRepository;
  /** LINE message-quota warnings given (line_quota_warning). */
  lineQuotaWarnings: LineQuotaWarningRepository;
  /** The local chat page's messages, people and conversations (local_message, identity, conversation). */
  localChat: LocalChatRepository;
  /** The one-time links of web forms from chat, claimed when used (web_form_use). */
  webForms: WebFormUseRepository;
  /** Reminders and daily digests claimed and their deliveries (notice, notice_delivery). */
  notices: NoticeRepository;
  /** Notices to the people affected, their versions, decisions and batches (subject_notice…). */
  subjectNotices: SubjectNoticeRepository;
  /** Single-use document links used (document_link_use). */
  documentLinks: DocumentLinkRepository;
  /** The conversations the bot is in (conversation). */
  conversations: ConversationRepository;
  /** Who a chat account is (identity). */
  identities: IdentityRepository;
  /** The questions the bot is waiting on (pending_prompt). */
  prompts: PromptRepository;
  /** Messages whose buttons may be pressed once (one_shot_choice). */
  choices: OneShotChoiceRepository;
  /** Where each card of an incident was posted (posted_card). */
  postedCards: PostedCardRepository;
  /** The pieces of evidence filed against incidents (evidence; the files are in the blob stores). */
  evidence: EvidenceRepository;
  /** Files offered in a chat before they are filed (evidence_offer). */
  evidenceOffers: EvidenceOfferRepository;
  /** The web console's sessions (console_session). */
  consoleSessions: ConsoleSessionRepository;
  /** The key commands' reads and writes of every encrypted column, the destruction seals and the key checks. */
  keyRotation: KeyRotationRepository;
}

/** For a long transaction (a large roster import): how long it may run, and wait for a connection, in ms. */
export interface TransactionOptions {
  timeoutMs?: number;
  maxWaitMs?: number;
}

export interface RepositoryHub extends Repositories {
  /** Runs `fn` in one database transaction: its repositories write in it; a throw rolls every write back. */
  transaction<T>(fn: (tx: Repositories) => Promise<T>, opts?: TransactionOptions): Promise<T>;
}
