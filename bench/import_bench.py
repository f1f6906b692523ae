#!/usr/bin/env python3
"""How long `import bibtex` takes for a large bibliography.

Usage:
    python bench/import_bench.py [--entries 20000] [--runs 3] [--keep DIR]

Writes a deterministic BibTeX file of N entries shaped like real exports: titles with
braces protecting acronyms ({CNN}) in a third of them, author lists of 2-6 names with
LaTeX accents ({\\"u}, \\'{e}, {\\o}) in about a fifth, page ranges with "--", a
booktitle or journal, a DOI in half, an arXiv eprint in a quarter, an abstract in half.
Each run imports it into a new site made by `papersite init` (`python build.py import
bibtex FILE --site SITE`, in its own process) and reads the wall time; the medians are
printed. The machine is shared: compare runs of one invocation, not across days.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FIRST = ["Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "John", "Frances", "Wei",
         "Priya", "Kenji", "Amara", "Lukas", "Sofia", "Mateo", "Ingrid"]
LAST = ["Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "McCarthy", "Allen",
        "Chen", "Sharma", "Tanaka", "Okafor", "Weber", "Rossi", "Garcia", "Larsen"]
ACCENTED = ["M{\\\"u}ller", "Jos\\'{e}", "S{\\o}rensen", "{\\L}ukasz", "Fran{\\c{c}}ois",
            "Gar{\\'\\i}a"]
WORDS = ("learning vision graph neural model data robust efficient sparse attention "
         "transformer diffusion retrieval segmentation detection generative language "
         "reasoning benchmark scalable").split()
ACRONYMS = ["{CNN}", "{GAN}", "{BERT}", "{3D}", "{LiDAR}", "{NeRF}"]
VENUES = [("inproceedings", "booktitle", "Proceedings of the {IEEE/CVF} Conference on "
           "Computer Vision and Pattern Recognition"),
          ("inproceedings", "booktitle", "Advances in Neural Information Processing Systems"),
          ("article", "journal", "Transactions on Machine Learning Research"),
          ("article", "journal", "Journal of Machine Learning Research")]


def bibliography(entries: int, seed: int = 1) -> str:
    rnd = random.Random(seed)
    out = []
    for i in range(entries):
        words = [rnd.choice(WORDS).title() for _ in range(rnd.randint(5, 10))]
        if rnd.random() < 0.33:
            words.insert(rnd.randrange(len(words)), rnd.choice(ACRONYMS))
        authors = []
        for _ in range(rnd.randint(2, 6)):
            last = rnd.choice(ACCENTED) if rnd.random() < 0.2 else rnd.choice(LAST)
            authors.append(f"{last}, {rnd.choice(FIRST)}")
        kind, field, venue = rnd.choice(VENUES)
        year = 2010 + i % 15
        start = rnd.randint(1, 900)
        lines = [f"@{kind}{{key{i},",
                 f"  title = {{{' '.join(words)} {i}}},",
                 f"  author = {{{' and '.join(authors)}}},",
                 f"  {field} = {{{venue}}},",
                 f"  year = {{{year}}},",
                 f"  pages = {{{start}--{start + rnd.randint(5, 15)}}},"]
        if rnd.random() < 0.5:
            lines.append(f"  doi = {{10.{1000 + i % 9000}/bench.{i}}},")
        if rnd.random() < 0.25:
            lines.append(f"  eprint = {{{2000 + i % 500}.{i % 100000:05d}}},")
            lines.append("  archivePrefix = {arXiv},")
        if rnd.random() < 0.5:
            sentence = " ".join(rnd.choice(WORDS) for _ in range(40))
            lines.append(f"  abstract = {{We study {sentence}. Results improve by 3\\% "
                         f"on $k$-shot tasks.}},")
        out.append("\n".join(lines) + "\n}\n")
    return "\n".join(out)


def one_import(bib: Path, work: Path) -> float:
    site = work / "site"
    shutil.rmtree(site, ignore_errors=True)
    subprocess.run([sys.executable, "build.py", "init", str(site)], cwd=ROOT, check=True,
                   capture_output=True)
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "build.py", "import", "bibtex", str(bib),
                             "--site", str(site)], cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"import failed:\n{result.stderr[-2000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="work here and keep the files")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="papersite-import-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        bib = work / f"bench-{args.entries}.bib"
        bib.write_text(bibliography(args.entries), "utf-8")
        times = []
        for run in range(args.runs):
            times.append(one_import(bib, work))
            print(f"  run {run + 1}: {times[-1]:.2f} s", flush=True)
        median = statistics.median(times)
        print(f"import bibtex, {args.entries:,} entries ({bib.stat().st_size / 1e6:.1f} MB): "
              f"median {median:.2f} s ({min(times):.2f}–{max(times):.2f}), "
              f"{median / args.entries * 1e3:.2f} ms an entry")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
