# One build, two images:
#   docker build --target grpc-server -t meterusage-grpc-server .
#   docker build --target gateway     -t meterusage-gateway .
# (docker compose builds both; see docker-compose.yml.)
#
# The gRPC stubs are generated inside the build (pnpm install runs the root postinstall:
# buf + ts-proto), never copied from the host; .dockerignore keeps the host's node_modules,
# dist/ and libs/contracts/src/gen out of the context.

# One place to move Node: a major-pinned tag (swap in an @sha256 digest for byte-for-byte rebuilds).
ARG NODE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------------------------------------
# build: full workspace install, stub generation, compilation, and one pruned folder per app.
FROM ${NODE_IMAGE} AS build
# pnpm 11 needs Node >= 22.13, so the 10.x line is pinned to the repo's packageManager version.
RUN npm install --global pnpm@10.34.8 && npm cache clean --force
# CI=true: pnpm never prompts; the store lives in this stage only and never reaches an app image.
ENV CI=true
WORKDIR /repo

# Dependency layer keyed on the lockfile alone: `pnpm fetch` needs no package.json of the
# workspace packages, so editing code or adding a workspace package keeps this layer cached.
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json .npmrc ./
RUN pnpm fetch --store-dir /pnpm-store

COPY . .
# Offline: everything comes from the store filled above. The root postinstall generates
# libs/contracts/src/gen; the lockfile must match the manifests exactly.
RUN pnpm install --frozen-lockfile --offline --store-dir /pnpm-store

# The two apps and the workspace libs they depend on ("..."), in dependency order.
RUN pnpm --filter "@meterusage/grpc-server..." --filter "@meterusage/gateway..." run build

# Production dependencies only, workspace libs copied in with their dist/. pnpm 10's deploy takes
# the versions from the lockfile but needs inject-workspace-packages; set here on the command line
# only, so local development keeps symlinked libs. (--legacy would resolve versions again, which
# needs registry metadata that --offline does not have: ERR_PNPM_NO_OFFLINE_META.)
RUN pnpm --config.inject-workspace-packages=true --filter @meterusage/grpc-server deploy --prod --offline --store-dir /pnpm-store /prod/grpc-server \
 && pnpm --config.inject-workspace-packages=true --filter @meterusage/gateway deploy --prod --offline --store-dir /pnpm-store /prod/gateway

# ---------------------------------------------------------------------------------------------
# runtime: what both app images share. No pnpm, no compiler, no sources.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app

# ---------------------------------------------------------------------------------------------
FROM runtime AS grpc-server
# No writable path: the embedded-PostgreSQL fallback is a development dependency and not in this
# image, so it needs DATABASE_URL or DB_HOST (without, it exits saying so). The application files
# stay root-owned, read-only to `node`.
COPY --from=build /prod/grpc-server/package.json ./package.json
COPY --from=build /prod/grpc-server/node_modules ./node_modules
COPY --from=build /prod/grpc-server/dist ./dist
# DB_PASS is deliberately absent: secrets come from the environment at run time.
# GRPC_HOST: every interface, so with AUTH_MODE unset every call needs an API key (README, Security).
ENV GRPC_PORT=50051 \
    GRPC_HOST=0.0.0.0 \
    DB_PORT=5432 \
    DB_NAME=meterusage \
    DB_USER=postgres \
    CSV_PATH=/data/meterusage.csv \
    CSV_TIMEZONE=UTC \
    LOG_LEVEL=info
USER node
EXPOSE 50051
# grpc.health.v1 Check of the whole server (service ""), which reports SERVING once migrations
# and the CSV seed are done. Node is the only tool in the slim image; the modules are the app's own.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["node", "-e", "const g=require('@grpc/grpc-js');const C=g.makeGenericClientConstructor(require('grpc-health-check').service,'Health');new C('127.0.0.1:'+(process.env.GRPC_PORT||50051),g.credentials.createInsecure()).check({service:''},{deadline:Date.now()+3000},(e,r)=>process.exit(!e&&r.status==='SERVING'?0:1))"]
CMD ["node", "dist/main.js"]

# ---------------------------------------------------------------------------------------------
FROM runtime AS gateway
COPY --from=build /prod/gateway/package.json ./package.json
COPY --from=build /prod/gateway/node_modules ./node_modules
# dist/ holds the dashboard too: the gateway's build bundles it into dist/public, served from /app/dist/public.
COPY --from=build /prod/gateway/dist ./dist
ENV HTTP_PORT=8000 \
    HTTP_HOST=0.0.0.0 \
    GRPC_TARGET=grpc-server:50051 \
    LOG_LEVEL=info
USER node
EXPOSE 8000
# Liveness only (/healthz): /readyz follows the backend, and a gateway restart cannot fix that.
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
    CMD ["node", "-e", "require('node:http').get({host:'127.0.0.1',port:process.env.HTTP_PORT||8000,path:'/healthz',timeout:3000},r=>process.exit(r.statusCode===200?0:1)).on('timeout',function(){this.destroy()}).on('error',()=>process.exit(1))"]
CMD ["node", "dist/main.js"]
