# syntax=docker/dockerfile:1
# One image for every process of crypto-oms; the command picks the process (default: the order API):
#   docker run IMAGE node dist/workers/api.js          order API (5000)      worker.js       Temporal worker + consumers
#   docker run IMAGE node dist/workers/risk.js         risk engine (5001)    venue.js        venue (5003)
#   docker run IMAGE node dist/workers/market-data.js  market data (5002)
# One-shot jobs: create-topics.js, register-search-attributes.js, build-indexes.js, seed-demo.js (try-outs only),
# issue-api-key.js.
# Set HEALTHCHECK_PORT to the process's port (the worker has none yet). The build is scripts/build.sh, as in CI.
# Node 20.19 or later: the compiled CommonJS requires ESM-only packages (require(esm), on by default since 20.19).
ARG NODE_IMAGE=node:20-bookworm-slim

# --- dependencies: every package of the lockfile (the build needs typescript, vite, tsx) ---
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

# --- build: `npm run build` (dist/ with the workflow bundle, web/dist) ---
FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY domain ./domain
COPY workflows ./workflows
COPY activities ./activities
COPY api ./api
COPY risk ./risk
COPY venue ./venue
COPY market-data ./market-data
COPY workers ./workers
COPY infra ./infra
COPY web ./web
RUN bash scripts/build.sh

# --- production dependencies only ---
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error && npm cache clean --force

# --- runtime: compiled JavaScript, production dependencies, tini as PID 1, non-root ---
FROM ${NODE_IMAGE} AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="crypto-oms" \
      org.opencontainers.image.description="Crypto order management system: every order is a durable Temporal workflow (api, worker, risk, venue, market-data)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="UNLICENSED" \
      org.opencontainers.image.base.name="${NODE_IMAGE}"
# tini forwards SIGTERM to Node and reaps zombies, so each process's own drain (workers/shutdown.ts) runs on stop.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini=0.19.0-1+b3 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
# Production unless told otherwise: no demo keys may exist, and API_KEY_PEPPER and INTERNAL_AUTH_SECRETS must be
# strong secrets (the processes refuse to start otherwise). A local try-out sets OMS_ENV=development itself
# (deploy/compose.env).
ENV OMS_ENV=production
# The market data files (CSV, see README "Market data") are not in the image: mount them here.
ENV MARKET_DATA_DIR=/data/market
# The port HEALTHCHECK probes: the process's own (API_PORT, RISK_PORT, VENUE_PORT, MARKET_DATA_PORT or WORKER_PORT).
ENV HEALTHCHECK_PORT=5000
COPY --from=prod-deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/dist ./dist
COPY --from=build /app/web/dist ./web/dist
# The base image's `node` user, by number: Kubernetes' runAsNonRoot can only verify a numeric user.
USER 1000:1000
EXPOSE 5000 5001 5002 5003 5004
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.HEALTHCHECK_PORT+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/workers/api.js"]
