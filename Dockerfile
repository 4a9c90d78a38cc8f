# Trending Papers: one container running the HTTP server and the daily scheduler (node dist/src/server.js).
# Build stage compiles TypeScript and better-sqlite3's native module; the runtime stage has no compiler.
# Node 24 (LTS): the build and runtime stages share the image, so the native module is built for the Node that runs
# it. CI runs the unit suite on Node 24 (.ci/node24) as well as on the machines' Node 20.

FROM node:24-bookworm-slim AS build
# better-sqlite3 compiles from source when no prebuilt binary fits: it needs python3, make and g++.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATABASE_PATH=/data/papers.db \
    OUTBOX_DIR=/data/outbox
# Two malloc arenas for the server's threads, read by glibc at start (src/lib/heap-growth.ts SERVER_ENV says why).
ENV MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# Read at run time, from the package root: SQL migrations, email templates, the bundled sample feed.
COPY migrations ./migrations
COPY templates ./templates
COPY src/sample-data ./src/sample-data
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
# Liveness through the app's own endpoint (process up and database reachable).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM: the server stops within SHUTDOWN_TIMEOUT_SECONDS (default 8, below Docker's 10 s grace period).
STOPSIGNAL SIGTERM
# A 4 MB nursery for the server thread (src/lib/heap-growth.ts SERVER_NODE_FLAGS says why).
CMD ["node", "--max-semi-space-size=4", "dist/src/server.js"]
