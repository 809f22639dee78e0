# One image for both processes: `api serve` (HTTP) and `worker` (jobs); fly.toml picks one per
# process group, and runs `api migrate` (the migrator) as the release command.
#
# Stages: chef (Rust + cargo-chef) -> planner (recipe.json: the workspace's manifests and lock
# file only) -> builder (cooks the dependencies from the recipe, then builds api and worker)
# -> runtime (Debian slim, non-root). The dependency layer is rebuilt only when Cargo.toml or
# Cargo.lock change, not on every source change.
#
# No HEALTHCHECK (Fly runs the checks in fly.toml) and no secrets: they come from `fly secrets`
# at run time. ops/check-dockerfile.sh checks what can be checked without a Docker engine.

# --- chef: the toolchain and cargo-chef --------------------------------------------------------
FROM rust:1.95-bookworm AS chef
RUN cargo install cargo-chef --locked --version 0.1.78
WORKDIR /app

# --- planner: the recipe of the dependencies ---------------------------------------------------
FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

# --- builder: dependencies (cached layer), then the two binaries -------------------------------
FROM chef AS builder
COPY --from=planner /app/recipe.json recipe.json
# Every workspace member's dependencies (the recipe's Cargo.lock is the one used); the build
# below is --locked, so a lock file out of date fails there.
RUN cargo chef cook --release --recipe-path recipe.json
COPY . .
# Shown by GET /api/v1/admin/config: `fly deploy --build-arg GIT_COMMIT=$(git rev-parse --short HEAD)`.
ARG GIT_COMMIT=unknown
RUN GIT_COMMIT="$GIT_COMMIT" BUILD_TIME="$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    cargo build --release --locked -p api -p worker

# --- runtime -------------------------------------------------------------------------------------
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
USER 10001:10001
# 8080: the API (PORT); 9091: the API's /metrics (METRICS_PORT, private network only);
# 9100: the worker's /metrics and /healthz (WORKER_PORT).
EXPOSE 8080 9091 9100
ENV APP_ENV=production PORT=8080
# Exec form, no shell in between, so the binary itself receives SIGTERM and shuts down
# gracefully. It starts no child processes, so no init (tini) is needed to reap them.
CMD ["api", "serve"]
