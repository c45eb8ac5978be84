"""Turning a float32 ONNX graph into an int8 one, for the vocoders and acoustic models.

Static QDQ quantisation fixes every activation's scale from calibration inputs, so a quantised
convolution stays frame-local and windowed decoding still joins into the one-shot audio (the
scales do not depend on the window). Dynamic quantisation picks each activation's scale from
the tensor it meets, so a window's samples depend on the whole window: it is offered for
measurement only, never for a windowed vocoder. Whether any of this is faster than float32 on
a given CPU is a measurement (bench/quantized.py), not an assumption.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

Feeds = dict[str, np.ndarray]

# Texts whose model inputs set the activation ranges: everyday prose, disjoint from every text
# the quality figures are taken on (bench/intelligibility.py's sentences).
CALIBRATION_TEXTS: dict[str, tuple[str, ...]] = {
    "en": (
        "Spring has arrived, and the city's parks are slowly coming back to life.",
        (
            "In the early morning, older residents practise tai chi by the lake, while runners follow the winding "
            "paths and children fly kites on the grass."
        ),
        (
            "At noon, office workers from the nearby towers come out in small groups to eat lunch in the shade and "
            "talk about their day."
        ),
        (
            "This year the park service has built two new walking trails and opened a small library near the east "
            "gate, where anyone can borrow a book for free."
        ),
        "According to the latest count, visitor numbers in March were about twenty percent higher than a year ago.",
        (
            "The park's director says she hopes the park will feel like a place that truly belongs to the people of "
            "the city."
        ),
    ),
    "zh": (
        "春天来了，城市里的公园渐渐热闹起来。",
        "清晨，老人们在湖边打太极拳，年轻人沿着小路跑步，孩子们在草地上放风筝。",
        "到了中午，附近写字楼里的上班族三三两两地走出来，在树荫下吃午饭、聊天。",
        "公园管理处今年新修了两条步道，还在东门附近增加了一个小型图书角，市民可以免费借阅。",
        "据统计，今年三月份公园的游客数量比去年同期增长了百分之二十左右。",
        "管理处的负责人说，他们希望把公园打造成一个真正属于市民的公共空间，让每个人都能在忙碌的生活中找到片刻的宁静。",
    ),
}


@dataclass(frozen=True)
class QuantOptions:
    """One static-quantisation variant: activation type, 7-bit weights, ops and ends left float.

    `reduce_range` (7-bit weights) exists for AVX2 CPUs without VNNI, whose u8·s8 multiply-add
    saturates; `exclude_ends` keeps the first and last quantisable nodes float, where a vocoder's
    input and output precision matter most."""

    activations: str = "QUInt8"  # or "QInt8"
    reduce_range: bool = False
    exclude_ops: tuple[str, ...] = ()  # e.g. ("ConvTranspose",)
    exclude_ends: bool = False
    per_channel: bool = True
    only_ops: tuple[str, ...] = ()  # quantise only these op types (e.g. the convolutions)
    float_prefixes: tuple[str, ...] = ()  # nodes whose names start so stay float (a final stage)
    int8_prefixes: tuple[str, ...] = ()  # if given, only nodes whose names start so become int8
    calibrate: str = "MinMax"  # or "Percentile" (99.999th), or "Entropy"

    @property
    def name(self) -> str:
        parts = ["u8" if self.activations == "QUInt8" else "s8", "s8"]
        if self.reduce_range:
            parts.append("rr")
        parts += [f"no{op}" for op in self.exclude_ops]
        if self.exclude_ends:
            parts.append("noends")
        if not self.per_channel:
            parts.append("pertensor")
        if self.only_ops:
            parts.append("only" + "+".join(self.only_ops))
        if self.float_prefixes:
            parts.append(f"float{len(self.float_prefixes)}")
        if self.int8_prefixes:
            parts.append("in-" + "+".join(self.int8_prefixes))
        if self.calibrate != "MinMax":
            parts.append(self.calibrate.lower())
        return "qdq-" + "-".join(parts)


class _Reader:
    """onnxruntime's CalibrationDataReader over a list of feeds (it only calls get_next)."""

    def __init__(self, feeds: Iterable[Feeds]) -> None:
        self._feeds: Iterator[Feeds] = iter(list(feeds))

    def get_next(self) -> Feeds | None:
        return next(self._feeds, None)


def _ends(model_path: Path, op_types: set[str]) -> list[str]:
    """Names of the first and last nodes of `op_types` in topological (file) order."""
    import onnx

    nodes = [
        n.name for n in onnx.load(str(model_path)).graph.node if n.op_type in op_types
    ]
    return [nodes[0], nodes[-1]] if nodes else []


_QUANTISABLE = {"Conv", "ConvTranspose", "MatMul", "Gemm"}


def quantize_static_graph(
    fp32: bytes, calibration: Iterable[Feeds], options: QuantOptions = QuantOptions()
) -> bytes:
    """A QDQ int8 graph from a serialised float32 one, activation ranges from `calibration`
    (feeds as the pipeline gives the model; MinMax, so every range seen is covered)."""
    from onnxruntime.quantization import (
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    with tempfile.TemporaryDirectory() as scratch:
        source, prepared, output = (
            Path(scratch) / n for n in ("fp32.onnx", "prep.onnx", "int8.onnx")
        )
        source.write_bytes(_plain_names(fp32))
        quant_pre_process(str(source), str(prepared), skip_symbolic_shape=True)
        excluded = [] if not options.exclude_ends else _ends(prepared, _QUANTISABLE)
        excluded += _named(prepared, options.float_prefixes)
        if options.only_ops:
            op_types = list(options.only_ops)
        elif options.exclude_ops:
            op_types = _op_types(prepared, set(options.exclude_ops))
        else:
            op_types = None
        quantize_static(
            str(prepared),
            str(output),
            _Reader(calibration),
            quant_format=QuantFormat.QDQ,
            per_channel=options.per_channel,
            reduce_range=options.reduce_range,
            activation_type=getattr(QuantType, options.activations),
            weight_type=QuantType.QInt8,
            op_types_to_quantize=op_types,
            nodes_to_quantize=_named(prepared, options.int8_prefixes) or None,
            nodes_to_exclude=excluded,
            calibrate_method=getattr(CalibrationMethod, options.calibrate),
            extra_options={"ActivationSymmetric": options.activations == "QInt8", "CalibPercentile": 99.999},
        )
        return output.read_bytes()


def _named(model_path: Path, prefixes: tuple[str, ...]) -> list[str]:
    import onnx

    if not prefixes:
        return []
    return [n.name for n in onnx.load(str(model_path)).graph.node if n.name.startswith(prefixes)]


def _plain_names(fp32: bytes) -> bytes:
    """The graph with every weight and inner tensor renamed `t0_`, `t1_`, … (the trailing mark keeps the quantiser's digit-suffixed names apart): tf2onnx names a bias
    `…/conv1d` and the conv's output `…/conv1d2`, and the quantiser's own derived names then
    collide (MB-MelGAN's int8 graph failed to load). Graph inputs and outputs, and the nodes,
    keep their names (options name nodes to leave float)."""
    import onnx

    model = onnx.load_from_string(fp32)
    graph = model.graph
    kept = {v.name for v in graph.input} | {v.name for v in graph.output}
    names: dict[str, str] = {}
    for tensor in graph.initializer:
        if tensor.name not in kept:
            names[tensor.name] = tensor.name = f"t{len(names)}_"
    for node in graph.node:
        if any(a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS) for a in node.attribute):
            return fp32  # a graph with subgraphs keeps its names (none of our vocoders has one)
        node.input[:] = [names.get(i, i) for i in node.input]
        for k, out in enumerate(node.output):
            if out and out not in kept:
                names.setdefault(out, f"t{len(names)}_")
                node.output[k] = names[out]
    for info in graph.value_info:
        info.name = names.get(info.name, info.name)
    return model.SerializeToString()


def _op_types(model_path: Path, excluded: set[str]) -> list[str]:
    """Every op type in the graph but the excluded ones (quantize_static takes an allow-list)."""
    import onnx

    return sorted({n.op_type for n in onnx.load(str(model_path)).graph.node} - excluded)


def quantize_weights_graph(fp32: bytes) -> bytes:
    """Weights-only (dynamic) int8: activations are quantised per call from the tensor itself,
    so the output of a window depends on the whole window — not for windowed vocoders."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with tempfile.TemporaryDirectory() as scratch:
        source, output = Path(scratch) / "fp32.onnx", Path(scratch) / "int8.onnx"
        source.write_bytes(fp32)
        quantize_dynamic(
            str(source), str(output), per_channel=True, weight_type=QuantType.QInt8
        )
        return output.read_bytes()


def int8_prepare(
    fp32: Callable[[], bytes], feeds: Callable[[str], Feeds], language: str, options: QuantOptions = QuantOptions()
) -> Callable[[], bytes]:
    """A `prepare` for `Runtime.load`: the QDQ int8 graph of `fp32()`, its activation ranges from
    `feeds(text)` (the model's inputs as the voice makes them) on this language's calibration
    texts. The model cache keeps the result, so only a first start pays for it (seconds of one
    core: en-joe's decoder about 8)."""
    return lambda: quantize_static_graph(fp32(), [feeds(text) for text in CALIBRATION_TEXTS[language]], options)


# zh-baker's FastSpeech2 with only its convolutions int8 (attention and the rest float): on the
# held-out sentences its CER and DNSMOS were no worse than float32's (bench/quantized.py), but
# the duration predictor's inputs are quantised too, so a symbol may get a frame more or less.
FASTSPEECH2_INT8 = QuantOptions(only_ops=("Conv", "ConvTranspose"))
# Only the mel decoder int8 (its convolutions and matrix products, which run per frame): the
# encoder and the variance predictors stay float, so every symbol keeps float32's frames (the
# audio's length, the word timings); it cost one more character error in 160 (the limit, 0.3
# points, is under one character there). Leaving just the encoder and duration predictor float
# was not enough: the quantised tensors they share still moved durations.
FASTSPEECH2_INT8_SAME_FRAMES = QuantOptions(only_ops=("Conv", "MatMul"), int8_prefixes=("decoder", "postnet", "mel_before"))
