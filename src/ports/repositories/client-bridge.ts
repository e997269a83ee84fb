import type { RepositoryHub } from './index.js';

/**
 * A bridge for the move onto the ports, like `RepositoryHub.within`: code not yet moved that holds only the database
 * client itself, no hub (today src/app/keys.ts, src/cli/keys.ts and the console pages' deps), calls a converted
 * function with `{ prisma }`, and the function finds the hub built on that client here (src/storage registers each hub
 * it builds). It goes with the last entry of PRISMA_USERS (scripts/check-architecture.mjs).
 */
const byClient = new WeakMap<object, RepositoryHub>();

export function registerClientRepositories(client: object, hub: RepositoryHub): void {
  byClient.set(client, hub);
}

/** Deps of a converted function that callers still on the client reach too. */
export type ReposOrClient = { repos: RepositoryHub } | { prisma: object };

/** The hub a converted function uses: the one given, else the one built on the given client. */
export function clientRepositories(deps: ReposOrClient): RepositoryHub {
  if ('repos' in deps && deps.repos) return deps.repos;
  const hub = byClient.get((deps as { prisma: object }).prisma);
  if (!hub) throw new Error('No repositories for this database client: pass `repos` (CoreDeps.repos or Database.repos).');
  return hub;
}
