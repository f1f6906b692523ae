"""The benchmark tools that reach into the pipeline keep working as it changes.

`bench/worker_costs.py` replaces the render workers' loop with a timed copy of it; if
the copy missed a task, or ran it twice, its tables (and the build) would be wrong.
Its timings are not checked here: speed is measured in bench/, not in the tests.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter

from conftest import ROOT

PAPERS = 300   # enough tasks for the build to fork its render workers


def _tables(text: str) -> dict[str, Counter]:
    """Each '### title' section's files per kind, from the script's markdown tables."""
    tables: dict[str, Counter] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("### "):
            current = tables.setdefault(line, Counter())
        row = re.match(r"\| ([a-z_]+(?: \([a-z]+\))?) \| ([\d,]+) \|", line)
        if row and current is not None:
            current[row[1]] += int(row[2].replace(",", ""))
    return tables


def test_worker_costs_counts_every_file_of_a_build_once(tmp_path):
    site, out = tmp_path / "site", tmp_path / "out"
    subprocess.run([sys.executable, str(ROOT / "bench" / "make_corpus.py"), str(PAPERS),
                    str(site)], check=True, capture_output=True, timeout=120)
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "worker_costs.py"),
                             str(site), str(out), "--jobs", "2"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]

    tables = _tables(result.stdout)
    workers = [t for title, t in tables.items() if title.startswith("### Worker")]
    assert len(workers) == 2, result.stdout[-3000:]
    here = next(t for title, t in tables.items() if title.startswith("### This process"))
    made = sum(workers, Counter()) + here

    papers = sorted((out / "papers").glob("*/index.html"))
    assert len(papers) == PAPERS
    assert made["paper"] == PAPERS
    assert made["paper_bib"] == len(list((out / "papers").glob("*.bib"))) == PAPERS
    assert made["person"] == len(list((out / "authors").glob("*/index.html")))
    assert made["feed (person)"] == len(list((out / "authors").glob("*/feed.xml")))
    assert made["site_csl"] == made["site_bib"] == 1
    # Every page and file the workers and this process made is in the output; the rest
    # are written after rendering (theme assets, sitemap, robots.txt, host files).
    after = {"sitemap.xml", "robots.txt", ".nojekyll", ".papersite-manifest.json"}
    rendered = [p for p in out.rglob("*") if p.is_file()
                and p.relative_to(out).parts[0] != "assets" and p.name not in after]
    assert sum(made.values()) == len(rendered)
    assert "Build:" in result.stdout


def test_import_bench_imports_every_entry_it_writes(tmp_path):
    """Its bibliography is one a real import takes whole: every entry becomes a paper."""
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "import_bench.py"),
                             "--entries", "60", "--runs", "1", "--keep", str(tmp_path)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert re.search(r"import bibtex, 60 entries \(.*\): median [\d.]+ s", result.stdout)
    papers = tmp_path / "site" / "content" / "papers"
    imported = [p for p in papers.glob("*.yaml") if "from bench-60.bib, entry" in p.read_text()]
    assert len(imported) == 60
