// Prisma CLI configuration (Prisma 7). The application never reads this file: it builds its own client with a driver
// adapter (src/storage/database.ts). The CLI uses it for `prisma generate` and, on machines that have Prisma's schema
// engine, `prisma migrate status|deploy` against DATABASE_URL.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/postgres' },
});
