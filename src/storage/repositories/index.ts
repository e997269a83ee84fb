import type { PrismaClient } from '../../generated/prisma/client.js';
import type { Repositories, RepositoryHub } from '../../ports/repositories/index.js';
import type { Client } from './client.js';
import { PrismaDiscordFormRepository } from './discord.js';
import { PrismaLineFriendRepository, PrismaLineQuotaWarningRepository } from './line.js';
import { PrismaLocalChatRepository } from './local-chat.js';
import { PrismaOutboundLedgerRepository } from './outbound.js';
import { PrismaPeopleRepository } from './people.js';
import { PrismaSchoolRepository } from './schools.js';

/** The repositories of the core's ports on the Prisma client (src/ports/repositories/). */
export function prismaRepositories(prisma: PrismaClient): RepositoryHub {
  return {
    ...on(prisma),
    transaction: (fn) => prisma.$transaction((tx) => fn(on(tx))),
    within: (transaction) => on(transaction as Client),
  };
}

function on(db: Client): Repositories {
  return {
    schools: new PrismaSchoolRepository(db),
    people: new PrismaPeopleRepository(db),
    outbound: new PrismaOutboundLedgerRepository(db),
    discordForms: new PrismaDiscordFormRepository(db),
    lineFriends: new PrismaLineFriendRepository(db),
    lineQuotaWarnings: new PrismaLineQuotaWarningRepository(db),
    localChat: new PrismaLocalChatRepository(db),
  };
}
