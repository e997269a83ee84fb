import { join } from 'node:path';
import type { PrismaClient } from '../../src/generated/prisma/client.js';
import { loadConfig } from '../../src/app/config.js';
import { createLogger } from '../../src/app/logger.js';
import { loadCalendar, loadClockRules } from '../../src/core/clocks/index.js';
import type { CoreDeps } from '../../src/core/context.js';
import { loadPlaybookLibrary } from '../../src/core/playbooks/index.js';
import { FieldCipher, parseKeyRing } from '../../src/core/privacy/cipher.js';
import { DatabaseBlobStore } from '../../src/storage/blobs.js';
import { prismaRepositories } from '../../src/storage/repositories/index.js';
import { TEST_KEYS } from './app.js';

const config = loadConfig({ DATA_ENCRYPTION_KEYS: TEST_KEYS, LOG_LEVEL: 'silent' });

/** The shipped playbooks, clock rules and calendar, and the test key ring: loaded once per test file. */
export const testLibrary = {
  playbooks: loadPlaybookLibrary(config.playbooksDir),
  clockRules: loadClockRules(join(config.playbooksDir, 'clocks.yaml')),
  calendar: loadCalendar(join(config.playbooksDir, 'calendars')),
  cipher: new FieldCipher(parseKeyRing(TEST_KEYS)),
};

/**
 * Core dependencies with the test database's client beside them: the core reaches storage only through `repos`; a test
 * reads and sets up rows with `prisma` too.
 */
export type TestCoreDeps = CoreDeps & { prisma: PrismaClient };

/** Core dependencies on a test database with a controlled clock, for driving the Bot without an app or adapter. */
export function testCoreDeps(prisma: PrismaClient, now: () => Date): TestCoreDeps {
  // Evidence in the test database itself (evidence_chunk rows): nothing to clean up outside it.
  return {
    prisma,
    repos: prismaRepositories(prisma),
    ...testLibrary,
    log: createLogger({ level: 'silent' }),
    now,
    evidence: { stores: [new DatabaseBlobStore(prisma)] },
  };
}
