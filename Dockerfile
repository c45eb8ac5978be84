# warmtts in a container: preload at start, ready when /ready says so.
FROM python:3.11-slim

RUN useradd --create-home --uid 10001 warmtts
WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
RUN pip install --no-cache-dir . && rm -rf /root/.cache

USER warmtts
ENV WARMTTS_HOST=0.0.0.0 \
    WARMTTS_PORT=8080 \
    PYTHONUNBUFFERED=1
EXPOSE 8080

# Ready only after every model is loaded and warmed; a failed preload exits non-zero.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/ready', timeout=2).status != 200)"

CMD ["warmtts", "serve"]
