"""Importers: BibTeX, CSV and JSON Lines (CSL JSON too) → one YAML file per paper in
content/papers/.

`run_import` is what `papersite import FORMAT FILE` runs. Each format module reads its
input into `Candidate`s; `common.ImportSession` checks them against the paper schema,
skips duplicates of papers the site already has (same DOI, arXiv id, or normalised
title and year) and of earlier entries of the same input, and writes the new files.
An input with errors writes nothing; existing files are updated only with `--force`,
only when they hold the same paper, and keep the fields the input does not give.
"""

from __future__ import annotations

from pathlib import Path

from ..diagnostics import BuildError
from . import bibtex, csv, jsonl
from .common import ImportSession, print_report

READERS = {"bibtex": bibtex.read, "csv": csv.read, "jsonl": jsonl.read}


def run_import(format: str, file: Path, site_dir: Path, force: bool = False,
               mapping: list[str] = ()) -> int:
    """Import FILE into the site; print skips and a summary line; 0 on success.

    Raises BuildError (printed by the command line as `path:line: field: message`)
    when the input or the site has errors; no file is written then.
    """
    if format not in READERS:
        raise BuildError([], f"unknown import format '{format}'")
    session = ImportSession.open(Path(site_dir))
    diags = session.diags
    candidates, cmap = READERS[format](Path(file), session, diags, list(mapping or []))
    # reports every problem at once
    planned, skipped = session.plan(candidates, force, input_cites=format == "bibtex")
    if diags.has_errors:
        raise BuildError(diags, "nothing imported")
    session.write(planned, format, Path(file).name)
    print(print_report(planned, skipped, Path(file).name, diags,
                       cmap.ignored if cmap else []))
    return 0
