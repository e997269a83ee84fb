import type { PrismaClient } from '../../generated/prisma/client.js';
import type { Repositories, RepositoryHub } from '../../ports/repositories/index.js';
import type { Client } from './client.js';
import { PrismaBindingRepository } from './bindings.js';
import {
  PrismaConversationRepository,
  PrismaIdentityRepository,
  PrismaOneShotChoiceRepository,
  PrismaPostedCardRepository,
  PrismaPromptRepository,
} from './conversations.js';
import { PrismaConsoleSessionRepository } from './console.js';
import { PrismaDiscordFormRepository } from './discord.js';
import { PrismaWebFormUseRepository } from './web-forms.js';
import { PrismaChecklistRepository, PrismaClockScheduleRepository, PrismaIncidentRepository } from './incidents.js';
import { PrismaEvidenceOfferRepository, PrismaEvidenceRepository } from './evidence.js';
import { PrismaKeyRotationRepository } from './keys.js';
import { PrismaLineFriendRepository, PrismaLineQuotaWarningRepository } from './line.js';
import { PrismaLocalChatRepository } from './local-chat.js';
import { PrismaDocumentLinkRepository, PrismaNoticeRepository, PrismaSubjectNoticeRepository } from './notices.js';
import { PrismaOutboundLedgerRepository } from './outbound.js';
import { PrismaPeopleRepository } from './people.js';
import { PrismaRetentionRepository } from './retention.js';
import { PrismaSchoolRepository } from './schools.js';
import { PrismaTimelineRepository } from './timeline.js';

/** The repositories of the core's ports on the Prisma client (src/ports/repositories/). */
export function prismaRepositories(prisma: PrismaClient): RepositoryHub {
  return {
    ...on(prisma),
    transaction: (fn, opts) =>
      prisma.$transaction(
        (tx) => fn(on(tx)),
        opts && {
          ...(opts.timeoutMs !== undefined ? { timeout: opts.timeoutMs } : {}),
          ...(opts.maxWaitMs !== undefined ? { maxWait: opts.maxWaitMs } : {}),
        },
      ),
  };
}

function on(db: Client): Repositories {
  return {
    schools: new PrismaSchoolRepository(db),
    people: new PrismaPeopleRepository(db),
    incidents: new PrismaIncidentRepository(db),
    checklist: new PrismaChecklistRepository(db),
    clockSchedules: new PrismaClockScheduleRepository(db),
    timeline: new PrismaTimelineRepository(db),
    retention: new PrismaRetentionRepository(db),
    bindings: new PrismaBindingRepository(db),
    outbound: new PrismaOutboundLedgerRepository(db),
    discordForms: new PrismaDiscordFormRepository(db),
    lineFriends: new PrismaLineFriendRepository(db),
    lineQuotaWarnings: new PrismaLineQuotaWarningRepository(db),
    localChat: new PrismaLocalChatRepository(db),
    webForms: new PrismaWebFormUseRepository(db),
    notices: new PrismaNoticeRepository(db),
    subjectNotices: new PrismaSubjectNoticeRepository(db),
    documentLinks: new PrismaDocumentLinkRepository(db),
    conversations: new PrismaConversationRepository(db),
    identities: new PrismaIdentityRepository(db),
    prompts: new PrismaPromptRepository(db),
    choices: new PrismaOneShotChoiceRepository(db),
    postedCards: new PrismaPostedCardRepository(db),
    evidence: new PrismaEvidenceRepository(db),
    evidenceOffers: new PrismaEvidenceOfferRepository(db),
    consoleSessions: new PrismaConsoleSessionRepository(db),
    keyRotation: new PrismaKeyRotationRepository(db),
  };
}
