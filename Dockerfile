# tjs2i in a container, for CI jobs and cluster build pods that talk to a sibling or remote engine
# (the engine's socket mounted, or DOCKER_HOST=tcp://... with TLS): see docs/ci.md.
#
#   docker build -t tjs2i .
#   docker run --rm tjs2i version
#
# BASE: a Debian image with Node 20 or later, as the official node images are. BUILD_BASE: the image
# the code is compiled in (BASE by default); its npm must reach a registry: give one whose npm is set
# up for your registry mirror or proxy where the public registry is out of reach.
ARG BASE=node:20-bookworm-slim
ARG BUILD_BASE=${BASE}

# Compile, then keep only the production dependencies.
FROM ${BUILD_BASE} AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM ${BASE}
# git clones the sources (git-lfs for LFS files, ssh for git@ URLs).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates git git-lfs openssh-client \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /home/tjs2i \
 && chown 10001:0 /home/tjs2i \
 && chmod 2770 /home/tjs2i
WORKDIR /opt/tjs2i
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY assemble run usage ./
COPY bin ./bin
COPY --from=build /src/dist/src ./dist/src
RUN ln -s /opt/tjs2i/bin/tjs2i /usr/local/bin/tjs2i && tjs2i version

# A numeric non-root user in group 0: it runs as well under any UID a platform assigns (with group
# 0), and HOME (Docker's config.json, TLS certificates in ~/.docker) is writable by group 0.
ENV HOME=/home/tjs2i
USER 10001:0
WORKDIR /home/tjs2i
LABEL org.opencontainers.image.title="tjs2i" \
      org.opencontainers.image.description="Source-to-Image for Jupyter: builds notebook repositories into images that run under any UID"
ENTRYPOINT ["tjs2i"]
CMD ["--help"]
