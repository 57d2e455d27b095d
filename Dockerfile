# syntax=docker/dockerfile:1
# One image for every role: LEDGER_ROLE=api|projector|all (see docker-compose.yml).
FROM node:20.20-bookworm-slim AS build
WORKDIR /app
ENV SCARF_ANALYTICS=false
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20.20-bookworm-slim
ENV NODE_ENV=production \
    LEDGER_DATA_DIR=/data \
    LEDGER_HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Only the embedded mode (no DATABASE_URL) writes, under LEDGER_DATA_DIR.
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
CMD ["node", "dist/apps/ledger/src/main.js"]
