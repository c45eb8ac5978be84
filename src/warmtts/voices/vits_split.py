"""Splitting a Piper VITS graph, once at load, into the text-to-latent part and the decoder.

Piper exports one graph: text encoder, duration predictor, flow, then the HiFi-GAN decoder,
which costs most of the time. Cut at the decoder's input, the first part gives the whole
utterance's latent frames (and the phone durations it chose) cheaply, and the decoder can run
over windows of those frames (windows.py). Piper's exporter names the decoder's nodes `/dec/…`;
a graph without them (another exporter) is not split and is spoken in one call.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

_DECODER = "/dec/"


@dataclass(frozen=True)
class SplitNames:
    """Where the graph was cut: the tensors that pass from the first half to the decoder."""

    latent: str  # the decoder's frame-wise input, [1, channels, frames]
    conditioning: tuple[str, ...]  # other decoder inputs (a speaker embedding), passed whole
    durations: str  # frames per input symbol, [1, 1, symbols], an extra output of the first half

    def to_dict(self) -> dict[str, Any]:
        return {"latent": self.latent, "conditioning": list(self.conditioning), "durations": self.durations}

    @classmethod
    def from_dict(cls, facts: dict[str, Any]) -> SplitNames:
        return cls(facts["latent"], tuple(facts["conditioning"]), facts["durations"])


@dataclass(frozen=True)
class SplitVits:
    names: SplitNames
    encoder: bytes  # serialised ONNX: the model's inputs → (latent, *conditioning, durations)
    decoder: bytes  # serialised ONNX: (latent, *conditioning) → audio


def split_vits(path: Path) -> SplitVits | None:
    """The two halves of the graph at `path`, or None when it is not shaped as Piper exports.
    Imports onnx only here: a start that finds both halves cached never needs it (30 MB)."""
    import onnx
    from onnx.utils import Extractor

    model = onnx.load(str(path))
    graph = model.graph
    producer = {out: node for node in graph.node for out in node.output}
    weights = {w.name for w in graph.initializer}
    decoder_nodes = [n for n in graph.node if n.name.startswith(_DECODER)]
    ceil = [n for n in graph.node if n.op_type == "Ceil"]
    if not decoder_nodes or len(ceil) != 1:
        return None
    inputs: list[str] = []
    for node in decoder_nodes:
        for name in node.input:
            source = producer.get(name)
            if name and name not in weights and source is not None and not source.name.startswith(_DECODER):
                if name not in inputs:
                    inputs.append(name)
    latent = decoder_nodes[0].input[0]  # conv_pre reads the latent first
    if latent not in inputs:
        return None
    conditioning = tuple(name for name in inputs if name != latent)
    durations = ceil[0].output[0]
    extractor = Extractor(model)
    encoder = extractor.extract_model([i.name for i in graph.input], [latent, *conditioning, durations])
    decoder = extractor.extract_model([latent, *conditioning], [o.name for o in graph.output])
    names = SplitNames(latent, conditioning, durations)
    return SplitVits(names, encoder.SerializeToString(), decoder.SerializeToString())
