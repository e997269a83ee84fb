# syntax=docker/dockerfile:1
# pdi-responder as a container: multi-stage (build with the dev tools, run with production dependencies only),
# non-root, health check on /readyz, data and key volumes. docs/deployment.md explains running it with PostgreSQL
# (compose.yaml) and what was and was not run on the team's machines.

# ---- build: install everything, generate the Prisma client and compile TypeScript to dist/ -------------------------
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json prisma.config.ts ./
COPY scripts ./scripts
COPY prisma ./prisma
COPY src ./src
COPY adapters ./adapters
COPY playbooks ./playbooks
# postinstall generates the Prisma client (src/generated) and builds dist/ (scripts/build.mjs)
RUN npm ci --no-audit --no-fund

# ---- production dependencies only ------------------------------------------------------------------------------------
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# The compiled product needs no install script (the Prisma client is already generated and compiled in dist/).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# ---- run ---------------------------------------------------------------------------------------------------------------
FROM node:24-slim
# MALLOC_TRIM_THRESHOLD_: glibc's malloc hands freed memory back to the system above this size instead of raising the
# threshold after large frees (mallopt(3)); ~70 MB less idle RSS on the embedded engine (docs/performance.md). It must
# be in the environment before node starts, as `npm start` sets it (package.json).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/var/lib/pdi-responder/data \
    MALLOC_TRIM_THRESHOLD_=131072
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# The launcher `npm start` runs (it imports build.mjs only to see that dist/ is current: no sources here, so it is)
COPY scripts/start.mjs scripts/build.mjs ./scripts/
COPY playbooks ./playbooks
COPY prisma/migrations ./prisma/migrations
COPY adapters/local/public ./adapters/local/public
# The data directory (embedded database when DATABASE_URL is unset) and the key folder are volumes owned by the
# unprivileged `node` user of the base image; the key folder is separate so that data and keys are backed up apart.
RUN mkdir -p /var/lib/pdi-responder/data /var/lib/pdi-responder/keys \
    && chown -R node:node /var/lib/pdi-responder \
    && chmod 0700 /var/lib/pdi-responder/data /var/lib/pdi-responder/keys
VOLUME ["/var/lib/pdi-responder/data", "/var/lib/pdi-responder/keys"]
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node is PID 1's only child under Docker's default init-less run; the product handles SIGTERM itself (stops the HTTP
# server, hands back its jobs, closes the database) within 10 s, below Docker's default stop timeout.
STOPSIGNAL SIGTERM
# The same start as `npm start` (package.json), without npm: scripts/start.mjs runs the bundled start-up path
# (dist/bundle/main.js, ~1 s faster to start than the ~700 compiled modules) and dist/src/app/main.js when there is no
# bundle. --max-semi-space-size: V8 otherwise grows its young generation to tens of MB while the modules load and keeps
# the pages; capped, the idle process holds ~170 MB less (docs/deployment.md, bench/startup.ts). --expose-gc: once
# started, the product runs one full collection that hands back what start-up no longer uses (src/app/main.ts).
CMD ["node", "--max-semi-space-size=8", "--expose-gc", "scripts/start.mjs"]
