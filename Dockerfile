# smsgw gateway image. One image serves every role; GATEWAY_ROLES picks them
# (see docker-compose.yml). The gateway creates its database if missing and
# runs migrations at start, so no separate migration step is needed.
# The web console is built in its own stage (Vite and React are dev dependencies);
# only its static output (console/dist) goes into the image.
FROM node:20-bookworm-slim AS console
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY console ./console
RUN bash console/build.sh --force

FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    HTTP_PORT=8080 \
    SMPP_PORT=2775

WORKDIR /app

# Dependencies first, for layer caching. tsx is a runtime dependency: the
# TypeScript sources run as they are, with no build step.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY tsconfig.json ./
COPY src ./src
COPY config ./config
COPY --from=console /build/console/dist ./console/dist

# Files stay root-owned and read-only to the process.
USER node

EXPOSE 8080 2775

HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.HTTP_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

CMD ["node", "--import", "tsx", "src/main.ts"]
