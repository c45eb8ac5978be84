#!/usr/bin/env bash
# Convert polypoly 0.0.3's BiLSTM polyphone tagger (TensorFlow SavedModel) to ONNX, once.
#
# Builds a throw-away venv with tensorflow-cpu, downloads the polypoly wheel (not installed:
# importing it loads TensorFlow and rewrites its own data files), and runs
# tools/convert_polypoly.py, which writes the network with ONNX's fused LSTM and checks it
# against the SavedModel. warmtts does not ship the result: on nested CPP folds polypoly as a
# voter did not raise the estimate (bench/cpp_polypoly.py; README, polyphones).
#
# Usage: tools/convert_polypoly.sh [OUT.onnx]   (default: polypoly.onnx in the current folder)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="$(realpath -m "${1:-polypoly.onnx}")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q "tensorflow-cpu>=2.16" "onnx>=1.15" onnxruntime
"$work/venv/bin/pip" download -q --no-deps -d "$work" "polypoly==0.0.3"
(cd "$work" && python3 -m zipfile -e polypoly-0.0.3-py3-none-any.whl unpacked)
"$work/venv/bin/python" "$here/tools/convert_polypoly.py" "$work/unpacked/polypoly" "$out"
sha256sum "$out"
