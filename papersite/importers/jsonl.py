"""JSON Lines → papers: one JSON object per line, keys mapped like CSV columns.

Values may be JSON types: `authors` a list of names (or of {name, affiliation, ...}
mappings), `tags` a list, `links` an object of label → URL, numbers and booleans as
such. Blank lines are skipped.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..diagnostics import Diagnostics
from ..loading import describe
from .columns import ColumnMap, build_map, to_candidate
from .common import Candidate, ImportSession, read_input


def read(path: Path, session: ImportSession, diags: Diagnostics,
         mapping: list[str] = ()) -> tuple[list[Candidate], ColumnMap | None]:
    text = read_input(path, diags)
    if text is None:
        return [], None
    source = str(path)
    records: list[tuple[int, dict]] = []
    columns: dict[str, None] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            diags.error(source, number, "", f"not valid JSON: {exc.msg} (column {exc.colno})")
            continue
        if not isinstance(obj, dict):
            diags.error(source, number, "", f"expected one JSON object per line, found "
                                            f"{describe(obj)}")
            continue
        records.append((number, obj))
        columns.update(dict.fromkeys(str(k) for k in obj))
    if diags.has_errors:
        return [], None
    if not records:
        diags.error(source, message="file is empty; expected one JSON object per line")
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
