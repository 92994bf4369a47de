# agentd: a static Go binary on a distroless base (CA certificates, tzdata,
# /tmp, a nonroot user; no shell). Build and run:
#
#   docker build --build-arg VERSION=$(git describe --tags --always) -t agentd .
#   docker run -p 8123:8123 -v agentd-data:/data -e AGENTD_API_KEYS=<a long random key> agentd
#
# It listens on 0.0.0.0 (PORT below), so it refuses to start without
# authentication: set AGENTD_API_KEYS (or AGENTD_JWT_SECRET /
# AGENTD_JWKS_URL), or AGENTD_INSECURE_NO_AUTH=true on a trusted network.
#
# See docs/deploy.md for the environment it reads.

# Keep in step with the go line of go.mod.
ARG GO_VERSION=1.26.8

FROM golang:${GO_VERSION} AS build
WORKDIR /src
# Modules first, in their own layer: it is rebuilt only when go.mod or
# go.sum change, not on every source edit.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# modernc.org/sqlite is pure Go, so the binary needs no libc.
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/agentd/agentd/cli.Version=${VERSION}" \
      -o /agentd ./cmd/agentd
# The SQLite directory, owned by the distroless nonroot user (65532): a
# named volume mounted on /data starts with this owner, so the server can
# write there without running as root. (Made here: the final image has no
# shell to run mkdir.)
RUN mkdir -p /data && chown 65532:65532 /data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /agentd /agentd
COPY --from=build --chown=65532:65532 /data /data
# PORT, not AGENTD_ADDR: the server listens on 0.0.0.0:$PORT, and a
# platform that sets its own PORT (Render, Cloud Run, Heroku-likes) then
# wins. AGENTD_ADDR, when set, overrides PORT.
ENV PORT=8123 \
    AGENTD_STORE=sqlite:///data/agentd.db
VOLUME ["/data"]
EXPOSE 8123
# Numeric, so Kubernetes' runAsNonRoot can verify it.
USER 65532:65532
ENTRYPOINT ["/agentd"]
CMD ["serve"]
