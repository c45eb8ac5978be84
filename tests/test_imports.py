"""The import graph of src/warmtts and bench/ has no circles, and each layer only looks down.

Read from the source with `ast`, counting every import (module level, inside functions and
under TYPE_CHECKING alike): a circle hidden in a function body is still a circle to a reader.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"warmtts": ROOT / "src" / "warmtts", "bench": ROOT / "bench"}

# The pipeline, lowest first: a module may import its own layer and the ones before it.
LAYERS = ["text", "phonemes", "voices", "audio", "engine", "server"]


def _module_name(package: str, folder: Path, path: Path) -> str:
    parts = [package, *path.relative_to(folder).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(package, folder, path): path
        for package, folder in PACKAGES.items()
        for path in sorted(folder.rglob("*.py"))
    }


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules `name` imports; `from pkg import mod` names the module when it is one."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" for alias in node.names]
            targets = [target if target in known else base for target in targets]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "warmtts" or len(parts) < 2:
        return None
    return LAYERS.index(parts[1]) if parts[1] in LAYERS else None


def test_the_checker_finds_a_circle_and_a_package_import() -> None:
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    graph = _graph()
    assert "warmtts.server.app" in graph and "warmtts.config" in graph["warmtts.server.app"]


def test_no_module_imports_back_what_imports_it() -> None:
    assert _circles(_graph()) == []


@pytest.mark.parametrize("layer", LAYERS[:-1])
def test_a_layer_never_imports_a_later_one(layer: str) -> None:
    rank = LAYERS.index(layer)
    upward = sorted(
        f"{module} -> {target}"
        for module, targets in _graph().items()
        if _layer(module) == rank
        for target in targets
        if (_layer(target) or 0) > rank
    )
    assert upward == []


# Inside the server, lowest first; the protocols on one level never import each other. The
# realtime socket is an HTTP upgrade on the same app: it shares HTTP's schemas and auth.
SERVER_LEVELS = [
    {"errors", "metrics", "lexicon"},
    {"stores"},
    {"synthesis"},
    {"context"},
    {"http", "wyoming"},
    {"realtime"},
    {"app"},
    {"main"},
]


def _server_part(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if parts[:2] == ["warmtts", "server"] and len(parts) > 2 else None


def _server_level(part: str) -> int:
    return next(level for level, parts in enumerate(SERVER_LEVELS) if part in parts)


def test_every_server_folder_has_a_level() -> None:
    parts = {_server_part(module) for module in _graph()} - {None}
    assert parts <= set().union(*SERVER_LEVELS), "add each new server module or folder to SERVER_LEVELS"


def test_the_server_parts_only_look_down() -> None:
    sideways_or_up = sorted(
        f"{module} -> {target}"
        for module, targets in _graph().items()
        if (part := _server_part(module))
        for target in targets
        if (other := _server_part(target)) and other != part and _server_level(other) >= _server_level(part)
    )
    assert sideways_or_up == []
