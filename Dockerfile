# giftbot: the bot, its HTTP endpoints (/health, /metrics, supplier webhooks) and,
# with no SUPPLIER_URL, the sandbox supplier in-process.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DATABASE_URL=sqlite:////data/giftbot.db \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8080

WORKDIR /app
COPY pyproject.toml README.md ./
COPY app ./app
COPY bot ./bot
COPY supplier ./supplier
COPY storage ./storage
# The sandboxes ship for `giftbot demo`; `giftbot run` with SUPPLIER_URL never imports them.
COPY sandbox ./sandbox
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /data giftbot \
    && mkdir -p /data && chown giftbot /data

USER giftbot
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os,urllib.request;urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"HTTP_PORT\",\"8080\")}/health',timeout=4)"
CMD ["giftbot", "run"]
