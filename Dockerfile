# syntax=docker/dockerfile:1
# Kommunalbot images. Targets:
#   app   the chat service (FastAPI, retrieval, staff console, widget), several uvicorn workers
#   rasa  Rasa 3.6.21 in its own environment (dialogue), also used to train the Rasa model
# Models, index and data live in volumes (see docker-compose.yml); the embedding model is
# fetched and verified by `kommunalbot model fetch` and exported by `kommunalbot model export`,
# the same bootstrap as scripts/setup.

ARG PYTHON=python:3.11.11-slim-bookworm

FROM ${PYTHON} AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LANG=C.UTF-8 TZ=Europe/Berlin
RUN groupadd --system --gid 10001 kommunalbot \
 && useradd --system --uid 10001 --gid kommunalbot --home-dir /var/lib/kommunalbot --create-home kommunalbot
WORKDIR /app

# --- app: dependencies in a build stage, only the venv is copied on ---------------------------
FROM base AS app-build
# torch: the CPU build (the default index would pull a multi-GB CUDA build)
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY retrieval ./retrieval
RUN /opt/venv/bin/pip install .

FROM base AS app
COPY --from=app-build /opt/venv /opt/venv
COPY bot ./bot
COPY retrieval ./retrieval
COPY widget/src ./widget/src
COPY widget/demo ./widget/demo
COPY knowledge_base ./knowledge_base
ENV PATH=/opt/venv/bin:$PATH \
    KOMMUNALBOT_MODEL_CACHE_DIR=/var/lib/kommunalbot/models \
    KOMMUNALBOT_INDEX_DIR=/var/lib/kommunalbot/index \
    KOMMUNALBOT_KB_DIR=/app/knowledge_base \
    KOMMUNALBOT_RASA_HOME=/var/lib/kommunalbot/rasa \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
RUN mkdir -p /var/lib/kommunalbot/models /var/lib/kommunalbot/index /tmp/prometheus \
 && chown -R kommunalbot:kommunalbot /var/lib/kommunalbot /tmp/prometheus
USER 10001:10001
VOLUME ["/var/lib/kommunalbot"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]
CMD ["uvicorn", "bot.asgi:app", "--host", "0.0.0.0", "--port", "8000", "--workers", "2", "--proxy-headers", "--forwarded-allow-ips", "*"]

# --- rasa: the recipe of scripts/setup-rasa -------------------------------------------------------
FROM base AS rasa
COPY bot/rasa/env /tmp/rasa-env
RUN python -m venv /opt/rasa \
 && /opt/rasa/bin/pip install "pip<25" \
 && /opt/rasa/bin/pip install --ignore-requires-python --no-deps rasa==3.6.21 rasa-sdk==3.6.2 \
 && /opt/rasa/bin/pip install -r /tmp/rasa-env/requirements.txt -c /tmp/rasa-env/constraints.txt \
 && rm -rf /tmp/rasa-env
COPY bot/rasa ./bot/rasa
ENV PATH=/opt/rasa/bin:$PATH \
    PYTHONPATH=/app/bot/rasa \
    HOME=/var/lib/kommunalbot/rasa-home \
    RASA_TELEMETRY_ENABLED=false \
    RASA_CACHE_DIRECTORY=/var/lib/kommunalbot/rasa-cache \
    MPLCONFIGDIR=/tmp/matplotlib \
    TF_CPP_MIN_LOG_LEVEL=2
RUN mkdir -p /var/lib/kommunalbot/rasa /var/lib/kommunalbot/rasa-home /var/lib/kommunalbot/rasa-cache \
 && chown -R kommunalbot:kommunalbot /var/lib/kommunalbot
USER 10001:10001
VOLUME ["/var/lib/kommunalbot/rasa"]
EXPOSE 5005
# Rasa's HTTP API (trackers, model, /status) needs the shared token; the CLI only takes it as a flag.
HEALTHCHECK --interval=30s --timeout=5s --start-period=180s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:5005/status?token=' + os.environ['KOMMUNALBOT_INTERNAL_TOKEN'], timeout=4)"]
CMD ["sh", "-c", "exec rasa run --enable-api --interface 0.0.0.0 --port 5005 --model /var/lib/kommunalbot/rasa/models --endpoints /app/bot/rasa/endpoints.production.yml --credentials /app/bot/rasa/credentials.yml --auth-token=\"$KOMMUNALBOT_INTERNAL_TOKEN\""]
