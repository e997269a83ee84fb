import { defineConfig } from 'vitest/config';

/**
 * Two projects: `pglite` runs every test on the embedded database (works on any machine); `postgres` runs the tests
 * that touch the database again on a real PostgreSQL server. The second is on in CI (CI=true) and whenever
 * TEST_POSTGRES_URL is set; there it must pass, a missing server fails the run.
 */
const withPostgres = process.env.CI === 'true' || !!process.env.TEST_POSTGRES_URL;
const dbTests = [
  'test/storage/**/*.test.ts',
  'test/core/incidents/**/*.test.ts',
  'test/core/conversation/**/*.test.ts',
  'test/core/people/**/*.test.ts',
  'test/adapters/**/*.test.ts',
  'test/jobs/**/*.test.ts',
  'test/scenarios/**/*.test.ts',
  'test/app/**/*.test.ts',
  'test/security/**/*.test.ts',
];

const common = {
  environment: 'node' as const,
  testTimeout: 60_000,
  hookTimeout: 120_000,
  globalSetup: ['test/setup/global.ts'],
};

export default defineConfig({
  test: {
    projects: [
      { test: { ...common, name: 'pglite', include: ['test/**/*.test.ts'], env: { TEST_DATABASE: 'pglite' } } },
      ...(withPostgres
        ? [{ test: { ...common, name: 'postgres', include: dbTests, exclude: ['test/web/**'], env: { TEST_DATABASE: 'postgres' } } }]
        : []),
    ],
  },
});
