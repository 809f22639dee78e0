# One image for both processes: `api serve` (HTTP) and `worker` (jobs); fly.toml picks one per
# process group, and runs `api migrate` as the release command.
#
# ops/check-dockerfile.sh checks what can be checked here without a Docker engine.

# --- build -----------------------------------------------------------------------------------
FROM rust:1.95-bookworm AS builder
WORKDIR /app
# No dependency-caching tricks: a workspace of five crates makes them fragile, and Fly's
# remote builder keeps the layer cache between deploys anyway.
COPY . .
# Shown by GET /api/v1/admin/config: `fly deploy --build-arg GIT_COMMIT=$(git rev-parse --short HEAD)`.
ARG GIT_COMMIT=unknown
RUN GIT_COMMIT="$GIT_COMMIT" BUILD_TIME="$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    cargo build --release --locked -p api -p worker

# --- run -------------------------------------------------------------------------------------
# The same Debian release as the builder, so the binaries find the glibc they were linked with.
FROM debian:bookworm-slim AS runtime
# ca-certificates: outgoing HTTPS (WhatsApp, Mercado Pago, iCal feeds) verifies servers against
# the system roots. Nothing else: TLS is rustls, so no OpenSSL.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --gid 10001 app \
    && useradd --uid 10001 --gid app --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin app
COPY --from=builder /app/target/release/api /usr/local/bin/api
COPY --from=builder /app/target/release/worker /usr/local/bin/worker
USER app
# 8080: the API (PORT); 9100: the worker's /metrics and /healthz (WORKER_PORT).
EXPOSE 8080 9091 9100
ENV APP_ENV=production PORT=8080
# Exec form, no shell in between, so the binary itself receives SIGTERM and shuts down
# gracefully. It starts no child processes, so no init (tini) is needed to reap them.
CMD ["api", "serve"]
