# datagate: a multi-stage image. The build stage installs everything, builds the server
# and the console and makes a production install with scripts/production-install.mjs —
# the same script test/production-install.int.test.ts runs, read-only and as an
# unprivileged user. The runtime stage holds that install alone.
#
#   docker build -t datagate .
#   docker run -p 8080:8080 -v datagate-data:/data datagate
#
# Configuration is by environment (README, "Configuration"); secrets may come from files
# (DATAGATE_SECRET_FILE, DATAGATE_DATABASE_FILE), as container platforms mount them.

FROM node:22-bookworm-slim AS build
# better-sqlite3 compiles its native module when no prebuilt one can be fetched.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# `npm ci` runs `prepare`, which builds dist/ (scripts/build.mjs).
RUN npm ci --no-audit --no-fund \
 && node scripts/production-install.mjs /app

FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    DATAGATE_HOST=0.0.0.0 \
    DATAGATE_PORT=8080 \
    DATAGATE_DATA_DIR=/data \
    DATAGATE_DATABASE=sqlite:/data/datagate.db
COPY --from=build /app /app
# The install belongs to root and is never written; the data folder is the node user's.
RUN mkdir -p /data && chown node:node /data
USER node
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080
# Works with a read-only root file system (docker run --read-only): only /data is written.
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.DATAGATE_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# --optimize-for-size keeps V8's heap near what is live (a lower peak resident memory;
# imports run slower); V8 takes it only at start.
ENTRYPOINT ["node", "--optimize-for-size", "/app/bin/datagate"]
CMD ["serve"]
