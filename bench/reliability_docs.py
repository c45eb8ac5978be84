"""Rewrite every section of docs/reliability.md from its results JSON.

    python -m bench.reliability_docs
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench import burst_report, soak
from bench.reliability_sections import DOC, RESULTS, not_run, update_section


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--doc", type=Path, default=DOC)
    args = parser.parse_args(argv)
    renderers = {"soak": soak.markdown, "burst": burst_report.markdown, "burst-retry": burst_report.retry_markdown}
    for name, render in renderers.items():
        path = args.results / f"{name}.json"
        if path.exists():
            body = render(json.loads(path.read_text(encoding="utf-8")))
        else:
            body = not_run(name)
        update_section(name, body, args.doc)
    print(f"updated {args.doc}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
