#!/usr/bin/env bash
# Builds the container image and starts it here, with no access to Docker's registry:
#   1. a base image from Debian's packages (mmdebstrap | podman import),
#   2. the project's Dockerfile on top of it (BASE_IMAGE build argument),
#   3. runs it: waits for /ready, synthesises through POST /tts and GET audio_url,
#      sends SIGTERM and expects exit code 0.
# Needs root, podman, runc and mmdebstrap (installed with apt-get when missing).
# Podman runs with runc and ulimits below the machine's hard limits: its default crun fails on
# some kernels' cgroups, and podman's default ulimits can exceed a sandbox's hard limits.
# Docker image format, so the HEALTHCHECK is kept (OCI drops it).
# Host networking: no bridge or port mapping is needed to reach the container from loopback.
set -euo pipefail
cd "$(dirname "$0")/.."

SUITE=${SUITE:-bookworm}                       # Debian 12: Python 3.11, as pyproject.toml requires
BASE=${BASE:-localhost/warmtts-base:$SUITE}
IMAGE=${IMAGE:-localhost/warmtts:test}
PORT=${PORT:-18080}
NAME=warmtts-image-test-$$
PODMAN=(podman --runtime runc)
LIMITS=(--ulimit nofile=16384:16384 --ulimit nproc=4096:4096)

step() { printf '\n== %s (%s)\n' "$*" "$(date -u +%H:%M:%S)"; }

if ! command -v podman >/dev/null || ! command -v runc >/dev/null || ! command -v mmdebstrap >/dev/null; then
    step "installing podman, runc, mmdebstrap"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q && apt-get install -y -q podman runc mmdebstrap
fi

if ! "${PODMAN[@]}" image exists "$BASE"; then
    step "base image $BASE from Debian $SUITE"
    mmdebstrap --variant=minbase \
        --include=python3,python3-venv,python-is-python3,ca-certificates \
        --aptopt='APT::Install-Recommends "false"' \
        --customize-hook='rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*' \
        "$SUITE" - | "${PODMAN[@]}" import --change 'CMD ["/bin/bash"]' - "$BASE"
fi

step "building $IMAGE on $BASE"
started=$(date +%s)
# This host's CA bundle is mounted for pip (not copied into the image): where HTTPS goes through an
# inspecting proxy, the image's own bundle does not trust it.
CA=(); [ -f /etc/ssl/certs/ca-certificates.crt ] && \
    CA=(--volume /etc/ssl/certs/ca-certificates.crt:/run/host-ca.crt:ro --build-arg PIP_CERT=/run/host-ca.crt)
"${PODMAN[@]}" build --format docker "${LIMITS[@]}" --network host "${CA[@]}" --build-arg BASE_IMAGE="$BASE" -t "$IMAGE" .
echo "build_seconds=$(( $(date +%s) - started ))"
"${PODMAN[@]}" image ls "$IMAGE"

step "starting $IMAGE on 127.0.0.1:$PORT"
"${PODMAN[@]}" run -d --name "$NAME" "${LIMITS[@]}" --network host -e WARMTTS_PORT="$PORT" "$IMAGE"
trap '"${PODMAN[@]}" rm -f "$NAME" >/dev/null 2>&1 || true' EXIT

started=$(date +%s)
until curl -fsS "http://127.0.0.1:$PORT/ready" >/dev/null 2>&1; do
    if [ "$("${PODMAN[@]}" inspect -f '{{.State.Running}}' "$NAME")" != "true" ]; then
        "${PODMAN[@]}" logs "$NAME" | tail -30; echo "FAIL: the container exited before it was ready"; exit 1
    fi
    if (( $(date +%s) - started > 300 )); then
        "${PODMAN[@]}" logs "$NAME" | tail -30; echo "FAIL: not ready within 300 s"; exit 1
    fi
    sleep 1
done
echo "ready_seconds=$(( $(date +%s) - started ))"

step "synthesising"
reply=$(curl -fsS -H 'Content-Type: application/json' \
    -d '{"text": "你好，欢迎使用。Hello from the container.", "format": "wav"}' "http://127.0.0.1:$PORT/tts")
echo "$reply"
url=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["audio_url"])' "$reply")
curl -fsS -o /tmp/$NAME.wav "http://127.0.0.1:$PORT$url"
python3 - "/tmp/$NAME.wav" <<'PY'
import sys, wave
with wave.open(sys.argv[1]) as w:
    seconds = w.getnframes() / w.getframerate()
print(f"audio sample_rate={w.getframerate()} seconds={seconds:.2f}")
assert 1.0 < seconds < 20.0, seconds
PY
rm -f /tmp/$NAME.wav

step "SIGTERM"
"${PODMAN[@]}" kill --signal TERM "$NAME"
code=$("${PODMAN[@]}" wait "$NAME")
"${PODMAN[@]}" logs "$NAME" 2>&1 | tail -5
echo "exit_code=$code"
[ "$code" = 0 ] || { echo "FAIL: exit code $code after SIGTERM"; exit 1; }
echo "PASS: built, ready, synthesised, drained on SIGTERM, exit 0"
