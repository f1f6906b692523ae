"""JSON Lines or a JSON array → papers: each object a paper, keys mapped like CSV columns.

Values may be JSON types: `authors` a list of names (or of {name, affiliation, ...}
mappings), `tags` a list, `links` an object of label → URL, numbers and booleans as
such. Blank lines are skipped. CSL-JSON items (Zotero's and Mendeley's CSL JSON export,
Pandoc, doi.org, a Papersite site's `papers.json`) are read as `csl.from_csl` says.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..diagnostics import Diagnostics
from ..loading import describe
from . import csl
from .columns import ColumnMap, build_map, to_candidate
from .common import Candidate, ImportSession, read_input


def read(path: Path, session: ImportSession, diags: Diagnostics,
         mapping: list[str] = ()) -> tuple[list[Candidate], ColumnMap | None]:
    text = read_input(path, diags)
    if text is None:
        return [], None
    source = str(path)
    array = text.lstrip().startswith("[")
    parsed = _array(text, source, diags) if array else _one_object(text) or _lines(
        text, source, diags)
    records: list[tuple[int, dict]] = []
    columns: dict[str, None] = {}
    for number, obj in parsed:
        if not isinstance(obj, dict):
            where = "in the array" if array else "per line"
            diags.error(source, number, "", f"expected one JSON object {where}, found "
                                            f"{describe(obj)}")
            continue
        if csl.is_csl(obj):
            obj = csl.from_csl(obj)
        records.append((number, obj))
        columns.update(dict.fromkeys(str(k) for k in obj))
    if diags.has_errors:
        return [], None
    if not records:
        diags.error(source, message="file is empty; expected one JSON object per line, "
                                    "or a JSON array of objects")
        return [], None
    cmap = build_map(list(columns), mapping, source, diags)
    if cmap is None:
        return [], None
    cmap.note_rows(obj for _, obj in records)
    candidates = []
    for number, obj in records:
        values = {str(k): v for k, v in obj.items()}
        cand = to_candidate(values, cmap, source, number, "record", session, diags)
        if cand is None:
            cand = Candidate(source, number, "record", {}, {})
        candidates.append(cand)
    return candidates, cmap


def _lines(text: str, source: str, diags: Diagnostics) -> list[tuple[int, object]]:
    """JSON Lines: (line, value) for each line that is not blank."""
    values = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            values.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            diags.error(source, number, "", f"not valid JSON: {exc.msg} (column {exc.colno})")
    return values


def _one_object(text: str) -> list[tuple[int, object]]:
    """A file that is one JSON object over several lines (doi.org's CSL JSON for one
    paper), or nothing."""
    if not text.lstrip().startswith("{") or text.strip().count("\n") == 0:
        return []
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return []   # JSON Lines, or a mistake the lines will show
    return [(text[:len(text) - len(text.lstrip())].count("\n") + 1, value)]


_SPACE = re.compile(r"\s*")


def _array(text: str, source: str, diags: Diagnostics) -> list[tuple[int, object]]:
    """A JSON array: (line where it starts, value) for each element, read one by one so
    that each paper has its line."""
    decoder = json.JSONDecoder()
    values: list[tuple[int, object]] = []
    at = _SPACE.match(text, text.index("[") + 1).end()
    line, counted = 1, 0     # the line at `counted`
    try:
        closed = text.startswith("]", at)
        at += closed
        while not closed:
            value, end = decoder.raw_decode(text, at)
            line, counted = line + text.count("\n", counted, at), at
            values.append((line, value))
            at = _SPACE.match(text, end).end()
            closed = text.startswith("]", at)
            if not closed and not text.startswith(",", at):
                raise json.JSONDecodeError("Expecting ',' delimiter", text, at)
            at = _SPACE.match(text, at + 1).end()
    except json.JSONDecodeError as exc:
        diags.error(source, exc.lineno, "", f"not valid JSON: {exc.msg} (column {exc.colno})")
        return []
    if text[at:].strip():
        line += text.count("\n", counted, at)
        diags.error(source, line, "", "not valid JSON: text after the array's end")
        return []
    return values
