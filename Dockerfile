# SnowOps container image: `snowops serve` on 0.0.0.0:3978 as an unprivileged user.
#
#   make image                                   # docker, podman or buildah, whichever works
#   docker build -t snowops .                    # the same by hand
#   docker build --build-arg PYTHON_IMAGE=debian:trixie-slim ...   # any base with python3 + venv
#
# PYTHON_IMAGE is the base of both stages: the official python image (interpreter
# /usr/local/bin/python) or a Debian-style image with python3 and python3-venv
# (/usr/bin/python3). PYTHON names the interpreter; empty means the first of python3, python.
# Everything installed comes from the hash-pinned locks (`make lock`), as wheels only: no
# compiler runs, in either stage.
ARG PYTHON_IMAGE=python:3.12-slim

FROM ${PYTHON_IMAGE} AS build
ARG PYTHON=
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_ROOT_USER_ACTION=ignore \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
# pip and setuptools for the build, in a venv of their own that stays in this stage.
COPY requirements-build.lock requirements.lock ./
RUN set -eu; \
    py="${PYTHON:-$(command -v python3 || command -v python)}"; \
    "$py" -m venv /opt/build; \
    /opt/build/bin/python -m pip install --quiet --require-hashes --no-deps --only-binary :all: \
        -r requirements-build.lock; \
    "$py" -m venv --without-pip /opt/snowops; \
    /opt/build/bin/python -m pip --python /opt/snowops/bin/python install --quiet \
        --require-hashes --no-deps --only-binary :all: -r requirements.lock
COPY pyproject.toml README.md LICENSE ./
COPY core core
COPY adapters adapters
COPY bot bot
COPY sim sim
RUN set -eu; \
    /opt/build/bin/python -m pip wheel --quiet --no-deps --no-build-isolation \
        --wheel-dir /tmp/wheels .; \
    /opt/build/bin/python -m pip --python /opt/snowops/bin/python install --quiet --no-deps \
        --no-index /tmp/wheels/snowops-*.whl; \
    cp LICENSE /opt/snowops/LICENSE; \
    /opt/snowops/bin/python -c 'import bot.cli, core, adapters.slack, adapters.teams'

FROM ${PYTHON_IMAGE}
# The venv's interpreter is the base image's: same image, same path.
COPY --from=build /opt/snowops /opt/snowops
# A fixed numeric uid/gid (Kubernetes' runAsNonRoot can only check a number); /data holds the
# SQLite file when SNOWOPS_STORE stays sqlite (mount a volume there).
RUN set -eu; \
    echo 'snowops:x:10001:10001:SnowOps:/data:/usr/sbin/nologin' >> /etc/passwd; \
    echo 'snowops:x:10001:' >> /etc/group; \
    mkdir -p /data; chown 10001:10001 /data; chmod 0700 /data
ENV PATH=/opt/snowops/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    SNOWOPS_HOST=0.0.0.0 \
    SNOWOPS_PORT=3978 \
    SNOWOPS_STORE=sqlite:////data/snowops.db
WORKDIR /data
USER 10001:10001
EXPOSE 3978
# `snowops serve` stops gracefully on SIGTERM (and SIGINT): it stops accepting, lets requests
# in flight finish (10 s at most), closes the store, and exits 0.
STOPSIGNAL SIGTERM
# No curl in the image: the venv's Python asks /healthz, on loopback, past any proxy settings.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["/opt/snowops/bin/python", "-c", "import os, urllib.request as r; r.build_opener(r.ProxyHandler({})).open('http://127.0.0.1:%s/healthz' % os.environ.get('SNOWOPS_PORT', '3978'), timeout=4)"]
ENTRYPOINT ["/opt/snowops/bin/snowops"]
CMD ["serve"]
