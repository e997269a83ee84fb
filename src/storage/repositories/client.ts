import type { Prisma, PrismaClient } from '../../generated/prisma/client.js';

/** What a repository queries through: the client itself, or one interactive transaction of it. */
export type Client = PrismaClient | Prisma.TransactionClient;
