# syntax=docker/dockerfile:1
# Reachly jobs: one image with both binaries (reachly-api, reachly-worker) and the migrations.
# Used by docker-compose.yml for the migrate, api and worker services.

# --- build -----------------------------------------------------------------------------------
FROM rust:1.95-bookworm AS builder
WORKDIR /src
# sqlx checked macros (if any) must use the committed .sqlx data: there is no database here.
ENV SQLX_OFFLINE=true \
    CARGO_TERM_COLOR=never
COPY . .
# Cache mounts keep the registry and target dir between builds (BuildKit); the binaries are
# copied out of the cached target dir because it is not part of the image layer.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    cargo build --release --bin reachly-api --bin reachly-worker \
    && mkdir -p /out \
    && cp target/release/reachly-api target/release/reachly-worker /out/

# --- runtime ---------------------------------------------------------------------------------
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin reachly
WORKDIR /app
COPY --from=builder /out/reachly-api /out/reachly-worker /usr/local/bin/
COPY migrations/ /app/migrations/
USER reachly
ENV RUST_LOG=info
EXPOSE 8080
CMD ["reachly-api", "serve"]
