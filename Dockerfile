# Who's Responsible? — the bot as one small, non-root container.
#   docker build -t respbot .        docker compose up -d        (see docs/operations.md)
# Dependencies are pinned by constraints.txt, so two builds of one commit install the same versions.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/respbot
WORKDIR /src
# Dependencies first: this layer is rebuilt only when the pins change, not on every code change.
COPY constraints.txt ./
RUN /opt/respbot/bin/pip install -r constraints.txt
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY content ./content
COPY storage ./storage
RUN /opt/respbot/bin/pip install -c constraints.txt '.[postgres]'

FROM python:3.11-slim
ENV PATH=/opt/respbot/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HTTP_PORT=3000
RUN groupadd --system --gid 10001 respbot \
    && useradd --system --uid 10001 --gid respbot --home-dir /app --shell /usr/sbin/nologin respbot \
    && mkdir -p /app/data \
    && chown -R respbot:respbot /app
COPY --from=build /opt/respbot /opt/respbot
WORKDIR /app
# SQLite's default file (DATABASE_URL=sqlite:///data/respbot.db) lives here; PostgreSQL deployments
# don't need the volume.
VOLUME ["/app/data"]
USER respbot:respbot
EXPOSE 3000
# curl is not in the slim image; Python is. Exit non-zero unless /healthz answers 200.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${HTTP_PORT:-3000}/healthz', timeout=4)" || exit 1
STOPSIGNAL SIGTERM
CMD ["respbot", "run", "--require-platform"]
