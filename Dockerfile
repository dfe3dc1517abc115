# syntax=docker/dockerfile:1
# adaptd in a container, in two variants:
#   docker build --target cpu -t adaptd:cpu .   WebAssembly backend, any x86-64 or arm64 box
#   docker build --target gpu -t adaptd:gpu .   native TensorFlow on CUDA 11 (x86-64 only)
# A plain `docker build .` gives the CPU variant. Both run as an unprivileged user, keep their
# state in the volume /var/lib/adaptd and serve /metrics, /healthz and /readyz on port 9464.
# Configure with ADAPTD_* variables, or mount a file and add `--config /etc/adaptd/<id>.json`
# after `run`. The build needs the model artifact in models/.
# Run with a stop timeout as long as the unit's (docker run --stop-timeout 180): the daemon
# scores what it holds, checkpoints and commits before it exits.

# Versions are pinned to full tags; pin digests too where your registry policy asks for them.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim
# @tensorflow/tfjs-node-gpu 4.22 links libtensorflow 2.9.1, built for CUDA 11 and cuDNN 8.
ARG CUDA_IMAGE=nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04

FROM ${NODE_IMAGE} AS node

# Compiles the TypeScript and keeps only the production dependencies.
FROM node AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# The application tree both variants start from.
FROM scratch AS app
COPY --from=build /src/package.json /opt/adaptd/package.json
COPY --from=build /src/node_modules /opt/adaptd/node_modules
COPY --from=build /src/dist /opt/adaptd/dist
COPY config /opt/adaptd/config
COPY models /opt/adaptd/models

# Adds the native GPU binding on the CUDA image itself, so that a binding compiled from source
# (when no prebuilt one fits) links against the libraries it will run with.
FROM ${CUDA_IMAGE} AS gpu-deps
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# Build tools of a throw-away stage: Ubuntu drops superseded versions from its archive, so a pin
# would break the build without making the image any more repeatable.
# hadolint ignore=DL3008
RUN apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates g++ make python3 \
  && rm -rf /var/lib/apt/lists/*
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/npm
RUN ln -s /usr/local/lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm
COPY --from=app /opt/adaptd /opt/adaptd
WORKDIR /opt/adaptd
# Its install script downloads libtensorflow (GPU) into the package; the version must equal
# @tensorflow/tfjs's in package.json.
RUN npm install --omit=dev --no-save --no-audit --no-fund @tensorflow/tfjs-node-gpu@4.22.0

FROM ${CUDA_IMAGE} AS gpu
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=gpu-deps /opt/adaptd /opt/adaptd
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/adaptd --no-create-home \
    --shell /usr/sbin/nologin adaptd \
  && install -d -o adaptd -g adaptd -m 0700 /var/lib/adaptd \
  && install -d -m 0755 /etc/adaptd
WORKDIR /opt/adaptd
ENV NODE_ENV=production \
    ADAPTD_BACKEND=tensorflow \
    ADAPTD_STATE_DIR=/var/lib/adaptd \
    ADAPTD_HTTP_HOST=0.0.0.0 \
    ADAPTD_HTTP_PORT=9464
VOLUME ["/var/lib/adaptd"]
EXPOSE 9464
# Numeric, so that Kubernetes' runAsNonRoot can tell it is not root.
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --start-period=3m --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.ADAPTD_HTTP_PORT}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/opt/adaptd/dist/cli/main.js"]
CMD ["run"]

FROM node AS cpu
COPY --from=app /opt/adaptd /opt/adaptd
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/adaptd --no-create-home \
    --shell /usr/sbin/nologin adaptd \
  && install -d -o adaptd -g adaptd -m 0700 /var/lib/adaptd \
  && install -d -m 0755 /etc/adaptd
WORKDIR /opt/adaptd
ENV NODE_ENV=production \
    ADAPTD_BACKEND=wasm \
    ADAPTD_STATE_DIR=/var/lib/adaptd \
    ADAPTD_HTTP_HOST=0.0.0.0 \
    ADAPTD_HTTP_PORT=9464
VOLUME ["/var/lib/adaptd"]
EXPOSE 9464
# Numeric, so that Kubernetes' runAsNonRoot can tell it is not root.
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --start-period=3m --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.ADAPTD_HTTP_PORT}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/opt/adaptd/dist/cli/main.js"]
CMD ["run"]
