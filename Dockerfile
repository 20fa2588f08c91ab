# One image for every service of crypto-oms; the command picks the process:
#   docker run crypto-oms workers/api.ts      (order API)
#   docker run crypto-oms workers/worker.ts   (Temporal worker + orders consumer)
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# Production unless told otherwise: no demo keys may exist, and API_KEY_PEPPER must be a strong secret (the order
# API and market data refuse to start otherwise). A local try-out sets OMS_ENV=development itself (docker-compose.yml).
ENV OMS_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY domain ./domain
COPY workflows ./workflows
COPY activities ./activities
COPY api ./api
COPY risk ./risk
COPY venue ./venue
COPY market-data ./market-data
COPY workers ./workers
COPY infra ./infra
COPY tsconfig.json ./
USER node
ENTRYPOINT ["node", "--import", "tsx"]
CMD ["workers/api.ts"]
