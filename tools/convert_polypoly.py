"""Convert polypoly 0.0.3's BiLSTM polyphone tagger (a TensorFlow SavedModel) to one ONNX file.

Run by tools/convert_polypoly.sh inside a throw-away venv with tensorflow-cpu; warmtts never
imports TensorFlow at run time. tf2onnx converts the SavedModel as it is, but its LSTMs become
Scan loops over a fixed 300 steps (100 ms a sentence, 7 ms even with the length made dynamic), so
this script reads the trained variables and writes the same network with ONNX's fused LSTM op:

    ids int64 [steps] -> embedding (5993 x 128) -> BiLSTM (2 x 256) -> dense 64, relu -> dense 16,
    relu -> dense 358 -> logits float32 [steps, 358]

The character vocabulary and the 358 tags ("行|hang2"; 0 and 1 are padding and "not a
polyphone") are stored in the model's metadata (`vocab`, `tags`, JSON lists), so the one file is
all warmtts needs. Before writing, the ONNX softmax is checked against the SavedModel's own output
on a few sentences (TensorFlow's LSTMCell orders its gates i, j, f, o and adds 1.0 to the forget
gate; ONNX orders them i, o, f, c).

Usage: python tools/convert_polypoly.py PACKAGE_DIR OUT.onnx   (PACKAGE_DIR: the unpacked
`polypoly/` folder of the wheel)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import tensorflow as tf
from onnx import TensorProto, helper, numpy_helper

HIDDEN = 256
FORGET_BIAS = 1.0
CHECK = ["银行行长说我们长大了，他还没还钱。", "1990年9月15日，在克里米亚发现了此天体。", "音乐让人快乐，重新开始很重要。"]


def lstm_weights(kernel: np.ndarray, bias: np.ndarray, inputs: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """TF LSTMCell (kernel [inputs + H, 4H], gates i, j, f, o) -> ONNX W [4H, inputs], R [4H, H],
    B [8H] in gate order i, o, f, c, the forget bias folded into B."""
    i, j, f, o = (slice(k * HIDDEN, (k + 1) * HIDDEN) for k in range(4))
    order = [i, o, f, j]
    w = np.concatenate([kernel[:inputs, g].T for g in order])
    r = np.concatenate([kernel[inputs:, g].T for g in order])
    b = np.concatenate([bias[g] + (FORGET_BIAS if g == f else 0.0) for g in order])
    return w, r, np.concatenate([b, np.zeros_like(b)])


def build(variables: dict[str, np.ndarray], vocab: list[str], tags: list[str]) -> onnx.ModelProto:
    embedding = variables["embedding"]
    dims = embedding.shape[1]
    parts = [lstm_weights(variables[f"BiLSTM/{d}/lstm_cell/kernel"], variables[f"BiLSTM/{d}/lstm_cell/bias"], dims) for d in ("fw", "bw")]
    inits = {
        "embedding": embedding,
        "W": np.stack([p[0] for p in parts]),
        "R": np.stack([p[1] for p in parts]),
        "B": np.stack([p[2] for p in parts]),
        "axis1": np.array([1], np.int64),
        "flat": np.array([-1, 2 * HIDDEN], np.int64),
    }
    nodes = [
        helper.make_node("Gather", ["embedding", "ids"], ["embedded"]),
        helper.make_node("Unsqueeze", ["embedded", "axis1"], ["x"]),
        helper.make_node("LSTM", ["x", "W", "R", "B"], ["y"], direction="bidirectional", hidden_size=HIDDEN),
        helper.make_node("Reshape", ["y", "flat"], ["h0"]),  # [steps, 2, 1, H] -> [steps, fw ++ bw]
    ]
    last = "h0"
    for n, name in enumerate(("dense", "dense_1", "dense_2")):
        inits[f"{name}/kernel"] = variables[f"{name}/kernel"]
        inits[f"{name}/bias"] = variables[f"{name}/bias"]
        nodes.append(helper.make_node("MatMul", [last, f"{name}/kernel"], [f"{name}/mm"]))
        out = "logits" if name == "dense_2" else f"{name}/pre"
        nodes.append(helper.make_node("Add", [f"{name}/mm", f"{name}/bias"], [out]))
        if name != "dense_2":
            nodes.append(helper.make_node("Relu", [out], [f"h{n + 1}"]))
            last = f"h{n + 1}"
    graph = helper.make_graph(
        nodes,
        "polypoly",
        [helper.make_tensor_value_info("ids", TensorProto.INT64, ["steps"])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["steps", len(tags)])],
        [numpy_helper.from_array(np.asarray(v, np.float32 if v.dtype.kind == "f" else v.dtype), k) for k, v in inits.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="warmtts tools/convert_polypoly.py")
    model.ir_version = 8
    helper.set_model_props(model, {"vocab": json.dumps(vocab, ensure_ascii=False), "tags": json.dumps(tags, ensure_ascii=False), "source": "polypoly 0.0.3 (PyPI)"})
    onnx.checker.check_model(model)
    return model


def check(model: onnx.ModelProto, saved_model: Path, vocab: list[str]) -> float:
    """Largest difference between the ONNX softmax and the SavedModel's, over CHECK."""
    index = {c: i for i, c in enumerate(vocab)}
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    serve = tf.saved_model.load(str(saved_model)).signatures["serving_default"]
    worst = 0.0
    for text in CHECK:
        ids = [index.get(c, index["<unk>"]) for c in text]
        logits = session.run(None, {"ids": np.array(ids, np.int64)})[0]
        probs = np.exp(logits - logits.max(1, keepdims=True))
        probs /= probs.sum(1, keepdims=True)
        padded = np.zeros((1, 300), np.int64)
        padded[0, : len(ids)] = ids
        mask = (padded > 0).astype(np.int64)
        reference = serve(input_data=tf.constant(padded), original_sequence_lengths=tf.constant([len(ids)], tf.int64), tags=tf.constant(mask))
        expected = reference["viterbi_sequence"].numpy()[0, : len(ids)]
        worst = max(worst, float(np.abs(probs - expected).max()))
    return worst


def main() -> None:
    package, out = Path(sys.argv[1]), Path(sys.argv[2])
    reader = tf.train.load_checkpoint(str(package / "savedModel" / "variables" / "variables"))
    variables = {name: reader.get_tensor(name) for name in reader.get_variable_to_shape_map() if "Adam" not in name}
    index = json.loads((package / "data" / "vocab.json").read_text(encoding="utf-8"))  # what polypoly reads
    vocab = [""] * len(index)
    for char, i in index.items():
        vocab[i] = char
    if len(vocab) != variables["embedding"].shape[0] or "" in vocab:
        raise SystemExit("vocab.json does not match the embedding")
    tags = [line.strip() for line in (package / "data" / "tag.txt").read_text(encoding="utf-8").splitlines()]
    model = build(variables, vocab, tags)
    worst = check(model, package / "savedModel", vocab)
    print(f"largest difference from the SavedModel's probabilities: {worst:.2e}")
    if worst > 1e-4:
        raise SystemExit("the ONNX graph does not reproduce the SavedModel")
    out.write_bytes(model.SerializeToString())
    print(f"wrote {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
