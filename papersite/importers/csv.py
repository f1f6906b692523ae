"""CSV (or TSV) → papers: one row per paper, the first row names the columns.

The delimiter is a tab for .tsv files, otherwise detected among ',', ';' and tab.
Columns map to paper fields as described in `columns.py`; a row's position in
messages is the line it starts on.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..diagnostics import Diagnostics
from .columns import ZOTERO_NOT_PAPERS, ColumnMap, build_map, header_key, to_candidate
from .common import Candidate, ImportSession, read_input


def _dialect(text: str, path: Path):
    if path.suffix.casefold() == ".tsv":
        return "excel-tab"
    try:
        return csv.Sniffer().sniff(text[:16384], delimiters=",;\t")
    except csv.Error:
        return "excel"


def _ends_in_a_quote(text: str, dialect) -> bool:
    """Whether the file ends inside a quoted cell, which the reader takes to hold every
    line after its quote (a title of "X,A B,2020 ..."). Only this is refused: Excel
    reads other stray quotes too, as the reader does."""
    try:
        for _ in csv.reader(io.StringIO(text, newline=""), dialect, strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def read(path: Path, session: ImportSession, diags: Diagnostics,
         mapping: list[str] = ()) -> tuple[list[Candidate], ColumnMap | None]:
    text = read_input(path, diags)
    if text is None:
        return [], None
    source = str(path)
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text, path))
    rows: list[tuple[int, list[str]]] = []
    try:
        start = reader.line_num + 1
        for row in reader:
            rows.append((start, row))
            start = reader.line_num + 1
    except csv.Error as exc:
        diags.error(source, reader.line_num or 1, "", f"cannot parse CSV: {exc}")
        return [], None
    if rows and _ends_in_a_quote(text, reader.dialect):   # its row would hold the rest
        diags.error(source, rows[-1][0], "", "a quoted cell in this row is never closed: "
                                              "its '\"' has no partner")
        return [], None
    while rows and not any(cell.strip() for cell in rows[0][1]):
        rows.pop(0)
    if not rows:
        diags.error(source, message="file is empty; expected a header row naming the "
                                    "columns, then one row per paper")
        return [], None
    header_line, header = rows[0]
    columns = [h.strip() for h in header]
    seen: set[str] = set()
    for name in columns:
        if name and name in seen:
            diags.error(source, header_line, "", f"column '{name}' appears twice in the "
                                                 "header row")
        seen.add(name)
    cmap = build_map([c for c in columns if c], mapping, source, diags)
    if cmap is None or diags.has_errors:
        return [], cmap
    if "title" not in cmap.targets.values():
        diags.error(source, header_line, "", "no title column (columns: "
                    f"{', '.join(c for c in columns if c)}); name one 'title' or use "
                    "--map COLUMN=title")
        return [], cmap
    cmap.note_rows({c: r[i] for i, c in enumerate(columns) if c and i < len(r)}
                   for _, r in rows[1:])
    candidates = []
    for line, row in rows[1:]:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(columns):
            extra = row[len(columns):]
            if any(cell.strip() for cell in extra):
                diags.warning(source, line, "", f"row has {len(row)} cells but the header "
                                                f"names {len(columns)} columns; the extra "
                                                "cells are left out")
        values = {c: row[i] for i, c in enumerate(columns) if c and i < len(row)}
        if cmap.zotero:
            kind = next((values[c] for c in values if header_key(c) == "item_type"), "")
            if kind.strip().casefold() in ZOTERO_NOT_PAPERS:
                diags.warning(source, line, "", f"a Zotero {kind.strip().casefold()}, not "
                                                "a paper; left out")
                continue
        cand = to_candidate(values, cmap, source, line, "row", session, diags)
        candidates.append(cand or Candidate(source, line, "row", {}, {}))
    return candidates, cmap
