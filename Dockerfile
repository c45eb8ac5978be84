# warmtts in a container: preload at start, ready when /ready says so.
# BASE_IMAGE: any image with Python 3.11, `python` and its venv module; deploy/image-test.sh
# builds one from Debian's packages where Docker's registry cannot be reached.
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE}

RUN useradd --create-home --uid 10001 warmtts
WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
# A virtual environment: the same steps on python:3.11-slim and on Debian's externally managed python3.
# PIP_CERT (optional): a CA bundle mounted at build time, for networks behind a TLS-inspecting proxy.
ARG PIP_CERT
RUN python -m venv /opt/warmtts \
    && /opt/warmtts/bin/pip install --no-cache-dir . \
    && rm -rf /root/.cache

USER warmtts
ENV PATH=/opt/warmtts/bin:$PATH \
    WARMTTS_HOST=0.0.0.0 \
    WARMTTS_PORT=8080 \
    PYTHONUNBUFFERED=1
# Prepare the caches once, into the image: ONNX graphs split and optimised, the Chinese tables.
# Every start then loads them (also from a read-only root file system).
RUN warmtts say "2026年，行长说：GPU很快。Hello, it is 3:45 pm." -o /tmp/prepare.wav && rm /tmp/prepare.wav
EXPOSE 8080

# Ready only after every model is loaded and warmed; a failed preload exits non-zero.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD python -c "import os, sys, urllib.request; sys.exit(urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"WARMTTS_PORT\", \"8080\")}/ready', timeout=2).status != 200)"

CMD ["warmtts", "serve"]
