"""A prepared graph's weights kept in a file of their own, read once and lent to every session of
the model, so a wide session beside the narrow one costs its kernels' state, not a second copy of
the weights.

ONNX Runtime uses an initializer given by `SessionOptions.add_initializer` in place (CPU), but
only for a name the graph holds as an initializer, and only for the graph as loaded: the
optimiser's constant folding, fusions and NCHWc layout make new weights in each session. So
the graph is optimised once, at ONNX Runtime's full level, and loaded with the optimiser off.
The weights above `INLINE_BYTES` move to the weights file as ONNX external data; the small ones
stay in the graph, where the loader reads shapes and axes. Measured with en-joe's prior
(27.6 MB of weights): a second session cost 39 MB, now 11.5 MB.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

INLINE_BYTES = 1024
ALIGN = 4096  # a page: ONNX Runtime maps such external data rather than reading it into the heap
_DATA_FIELDS = ("raw_data", "float_data", "int32_data", "int64_data", "double_data", "uint64_data")


def move_weights(graph: Path, weights: Path) -> dict[str, Any]:
    """Move the large initializers of the ONNX file `graph` to `weights` (the graph is rewritten
    to name them as external data there) and return where each lies:
    name → {dtype, shape, offset}. Imports onnx only here: a cached start does not need it."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(graph))
    index: dict[str, Any] = {}
    with weights.open("wb") as out:
        for tensor in model.graph.initializer:
            array = numpy_helper.to_array(tensor)
            if array.nbytes < INLINE_BYTES or array.dtype == object:
                continue
            out.write(b"\0" * (-out.tell() % ALIGN))
            offset = out.tell()
            out.write(np.ascontiguousarray(array).tobytes())
            for field in _DATA_FIELDS:
                tensor.ClearField(field)
            tensor.data_location = onnx.TensorProto.EXTERNAL
            del tensor.external_data[:]
            for entry, value in (("location", weights.name), ("offset", offset), ("length", array.nbytes)):
                tensor.external_data.add(key=entry, value=str(value))
            index[tensor.name] = {"dtype": array.dtype.str, "shape": list(array.shape), "offset": offset}
    onnx.save(model, str(graph))
    return index


def read_weights(weights: Path, index: dict[str, Any]) -> dict[str, np.ndarray]:
    """The arrays `index` names, as views of one private mapping of `weights` (file-backed pages,
    outside the heap: a 28 MB buffer there would sit among the activations glibc reuses); a short
    or misdescribed file raises ValueError."""
    if weights.stat().st_size == 0:
        raise ValueError(f"{weights}: empty")
    buffer = np.memmap(weights, dtype=np.uint8, mode="c")
    arrays: dict[str, np.ndarray] = {}
    for name, place in index.items():
        dtype = np.dtype(place["dtype"])
        shape = tuple(int(n) for n in place["shape"])
        size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        start = int(place["offset"])
        if start % ALIGN or start + size > buffer.size:
            raise ValueError(f"{weights}: {name} lies outside the file")
        arrays[name] = buffer[start : start + size].view(dtype).reshape(shape)
    return arrays
