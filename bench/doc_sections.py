"""A generated section of a Markdown page: the text between two HTML-comment markers, rewritten
by the run that owns it while the rest of the page stays as it is."""

from __future__ import annotations


def replace_marked(document: str, begin: str, end: str, body: str) -> str:
    """`document` with the block from `begin` to `end` holding `body`, or appended when it has none."""
    block = f"{begin}\n{body.strip()}\n{end}"
    start, stop = document.find(begin), document.find(end)
    if start < 0 or stop < start:
        return document.rstrip("\n") + "\n\n" + block + "\n"
    return document[:start] + block + document[stop + len(end):]
