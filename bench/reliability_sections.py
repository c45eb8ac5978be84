"""docs/reliability.md as named sections, each rewritten only by the run that owns it.

`python -m bench.soak --update-docs` and `python -m bench.burst --update-docs` each replace
their own section (between its markers) and leave the others as they are; the reports import
this module and it imports none of them (`python -m bench.reliability_docs` rewrites them all).
"""

from __future__ import annotations

from pathlib import Path

from bench.doc_sections import replace_marked

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "reliability.md"
RESULTS = ROOT / "bench" / "results"
HEADER = (
    "# Reliability\n\n"
    "Each section below is generated from its own results JSON in `bench/results/` by the command it "
    "names (with `--update-docs`); a run rewrites only its own section.\n"
)
TITLES = {
    "soak": "Load and soak",
    "burst": "A burst of long streams",
    "burst-retry": "A burst of long streams, clients retrying",
}
COMMANDS = {
    "soak": "python -m bench.soak --update-docs",
    "burst": "python -m bench.burst --update-docs",
    "burst-retry": "python -m bench.burst --retry --update-docs",
}


def markers(name: str) -> tuple[str, str]:
    begin = f"<!-- reliability:{name}:begin (generated from bench/results/{name}.json; edits here are overwritten) -->"
    return begin, f"<!-- reliability:{name}:end -->"


def replace_section(document: str, name: str, body: str) -> str:
    """`document` with section `name` replaced by `body`, or appended when it has no such section."""
    return replace_marked(document, *markers(name), body)


def not_run(name: str) -> str:
    return f"## {TITLES[name]}\n\nNot run yet: `{COMMANDS[name]}` writes this section.\n"


def update_section(name: str, body: str, doc: Path = DOC) -> None:
    existing = doc.read_text(encoding="utf-8") if doc.exists() else HEADER
    if "<!-- reliability:" not in existing:  # the single-section layout from before: start afresh
        existing = HEADER
    doc.write_text(replace_section(existing, name, body), encoding="utf-8")
