"""Splitting a Piper VITS graph, once at load, into three parts: the whole-utterance prior, the
flow and the decoder.

Piper exports one graph: text encoder, duration predictor, frame expansion and noise (the prior
z_p), then the reverse flow, then the HiFi-GAN decoder, which costs most of the time. The flow
and the decoder are convolutional over frames, so both can run over windows (windows.py); only
the prior needs the whole utterance, and it is cheap. The noise is drawn there, once per
utterance, so overlapping windows see the same frames. Piper's exporter names the flow's nodes
`/flow/…` and the decoder's `/dec/…`; a graph without them (another exporter) is not split and
is spoken in one call.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import onnx

_FLOW = "/flow/"
_DECODER = "/dec/"


@dataclass(frozen=True)
class SplitNames:
    """Where the graph was cut: the tensors that pass between the three parts."""

    prior: str  # the flow's frame-wise input z_p, [1, channels, frames]
    mask: str  # the flow's frame mask y_mask, [1, 1, frames]: ones over a window's real frames
    latent: str  # the decoder's frame-wise input (the flow's output), [1, channels, frames]
    conditioning: tuple[str, ...]  # other flow or decoder inputs (a speaker embedding), passed whole
    durations: str  # frames per input symbol, [1, 1, symbols], an extra output of the prior

    def to_dict(self) -> dict[str, Any]:
        return {
            "prior": self.prior, "mask": self.mask, "latent": self.latent,
            "conditioning": list(self.conditioning), "durations": self.durations,
        }

    @classmethod
    def from_dict(cls, facts: dict[str, Any]) -> SplitNames:
        return cls(facts["prior"], facts["mask"], facts["latent"], tuple(facts["conditioning"]), facts["durations"])


@dataclass(frozen=True)
class SplitVits:
    names: SplitNames
    prior: bytes  # serialised ONNX: the model's inputs → (prior, *conditioning, durations)
    flow: bytes  # serialised ONNX: (prior, mask, *its conditioning) → latent
    decoder: bytes  # serialised ONNX: (latent, *its conditioning) → audio


def split_vits(path: Path) -> SplitVits | None:
    """The three parts of the graph at `path`, or None when it is not shaped as Piper exports.
    Imports onnx only here: a start that finds every part cached never needs it (30 MB)."""
    import onnx
    from onnx.utils import Extractor

    model = onnx.load(str(path))
    cut = _cut(model.graph)
    if cut is None:
        return None
    names, flow_reads, decoder_reads = cut
    extractor = Extractor(model)
    graph = model.graph
    prior = extractor.extract_model([i.name for i in graph.input], [names.prior, *names.conditioning, names.durations])
    flow = extractor.extract_model([names.prior, names.mask, *flow_reads], [names.latent])
    decoder = extractor.extract_model([names.latent, *decoder_reads], [o.name for o in graph.output])
    return SplitVits(names, prior.SerializeToString(), flow.SerializeToString(), decoder.SerializeToString())


def _cut(graph: onnx.GraphProto) -> tuple[SplitNames, list[str], list[str]] | None:
    """The tensors at the flow's and the decoder's borders. The flow is every node between the
    first `/flow/` node's input and the decoder's input (Piper's exporter leaves the flow's
    gates unnamed); what it reads from outside and depends on the model's inputs is its border.
    Also the conditioning each of the flow and the decoder reads."""
    flow_nodes = [n for n in graph.node if n.name.startswith(_FLOW)]
    decoder_nodes = [n for n in graph.node if n.name.startswith(_DECODER)]
    ceil = [n for n in graph.node if n.op_type == "Ceil"]
    if not flow_nodes or not decoder_nodes or len(ceil) != 1:
        return None
    producer = {out: node for node in graph.node for out in node.output}
    dynamic = {i.name for i in graph.input}  # tensors that depend on the model's inputs
    for node in graph.node:  # a graph's nodes are in topological order
        if any(name in dynamic for name in node.input):
            dynamic.update(node.output)
    prior = flow_nodes[0].input[0]
    latent = decoder_nodes[0].input[0]  # conv_pre reads the latent first
    masking = producer.get(latent)
    if masking is None or masking.op_type != "Mul" or masking.name.startswith(_DECODER):
        return None
    mask = next((name for name in masking.input if name in dynamic and producer.get(name) is not None
                 and not _downstream(graph, prior, name)), None)
    if mask is None:
        return None
    region = _between(graph, prior, latent)
    inside = {out for node in region for out in node.output}
    decoder_inside = {out for node in decoder_nodes for out in node.output}
    flow_border = _border(region, inside, dynamic)
    decoder_border = _border(decoder_nodes, decoder_inside, dynamic)
    if prior not in flow_border or mask not in flow_border or latent not in decoder_border:
        return None
    flow_reads = [name for name in flow_border if name not in (prior, mask)]
    decoder_reads = [name for name in decoder_border if name != latent]
    conditioning = tuple(dict.fromkeys([*flow_reads, *decoder_reads]))
    if any(_downstream(graph, prior, name) for name in conditioning):
        return None  # the decoder reads something of the flow's besides its output: not windowable
    return SplitNames(prior, mask, latent, conditioning, ceil[0].output[0]), flow_reads, decoder_reads


def _border(nodes: list[onnx.NodeProto], inside: set[str], dynamic: set[str]) -> list[str]:
    """The input-dependent tensors that `nodes` read from outside themselves, first read first."""
    border: list[str] = []
    for node in nodes:
        for name in node.input:
            if name in dynamic and name not in inside and name not in border:
                border.append(name)
    return border


def _between(graph: onnx.GraphProto, source: str, target: str) -> list[onnx.NodeProto]:
    """The nodes on some path from tensor `source` to tensor `target`, in graph order."""
    after = {source}
    below = []
    for node in graph.node:
        if any(name in after for name in node.input):
            after.update(node.output)
            below.append(node)
    before = {target}
    on_path = set()
    for node in reversed(below):
        if any(out in before for out in node.output):
            before.update(node.input)
            on_path.add(id(node))
    return [node for node in below if id(node) in on_path]


def _downstream(graph: onnx.GraphProto, source: str, name: str) -> bool:
    """Whether tensor `name` depends on tensor `source`."""
    after = {source}
    for node in graph.node:
        if any(i in after for i in node.input):
            after.update(node.output)
    return name in after
