# syntax=docker/dockerfile:1
# bedrock-governor: multi-stage build on Node 24 LTS; runs as the unprivileged `node` user.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
RUN npm ci --ignore-scripts --no-audit --no-fund
# Engines are downloadable here, so generate also fetches the schema engine that
# `npx prisma migrate deploy|status` use against the same prisma/migrations.
RUN npx prisma generate
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The web console (served at /), built into dist/web; its API types come from openapi.yaml.
COPY openapi.yaml ./
COPY web ./web
RUN npx vite build --config web/vite.config.ts
RUN npx tsc -p tsconfig.build.json \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    BOOTSTRAP_ADMIN=off
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json /app/prisma.config.ts ./
COPY --from=build --chown=root:root /app/prisma ./prisma
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root compliance ./compliance
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=5 \
  CMD ["node", "dist/src/cli.js", "healthcheck", "--url", "http://127.0.0.1:3000/readyz"]
ENTRYPOINT ["node", "dist/src/cli.js"]
CMD ["serve"]
