"""Determinism: the same content gives the same bytes, whatever the machine does.

Two builds into different folders, with one job or several, with the file system
listing files in another order, with files created in another order, and in time zones
a day apart, must write byte-identical sites (the manifest aside: it records mtimes).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import write_files
from papersite import pipeline
from papersite.pipeline import BuildOptions
from papersite.writer import MANIFEST

ROOT = Path(__file__).resolve().parent.parent


def site_files(papers: int = 220) -> dict[str, str | bytes]:
    """A site with a bit of everything, big enough (>400 pages) for parallel rendering."""
    rnd = random.Random(3)
    names = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "王 伟", "汪 伟", "Zoë O’Neil",
             "Zoe O'Neil", "Jin", "Li Na", "Anne-Marie Dupont", "José Müller"]
    files: dict[str, str | bytes] = {
        "site.yaml": """\
            title: Determinism
            base_url: https://example.org/sub/
            owner: ada
            paginate: 20
            listings:
              - {slug: popular, title: Popular, sort: [-upvotes, title], group_by: none}
              - {slug: monthly, title: By month, filter: {tags: vision}, group_by: month}
            """,
        "content/authors/ada.yaml": "name: Ada Lovelace\naliases: [A. Lovelace]\n"
                                    "bio: Counts *everything*.\n",
        "content/authors/grace.yaml": "name: Grace Hopper\n",
        "content/venues.yaml": """\
            - {id: cvpr, short: CVPR, name: Computer Vision and Pattern Recognition}
            - {id: nips, short: NeurIPS, name: Neural Information Processing Systems,
               aliases: [NIPS]}
            """,
        "content/tags.yaml": "vision: {description: Seeing}\n",
        "content/pages/about.md": "---\ntitle: About\nnav_order: 1\n---\nHello $x^2$.\n",
        "content/pages/news.md": "---\ntitle: News\n---\n* one\n* two\n",
        "static/img/a.png": b"\x89PNG a",
        "static/css/extra.css": "body { color: black; }\n",
    }
    for start in range(0, papers, 40):
        items = []
        for i in range(start, min(start + 40, papers)):
            authors = rnd.sample(names, rnd.randint(1, 4))
            date = dt.date(2001, 1, 1) + dt.timedelta(days=rnd.randint(0, 1000))
            items.append({
                "id": f"p{i:03d}", "title": f"Paper {i} on $\\alpha_{i % 7}$ and *things*",
                "authors": authors, "date": date.isoformat(),
                "venue": rnd.choice(["CVPR", "NIPS", "Some Workshop", None]),
                "tags": rnd.sample(["vision", "language", "Vision ", "graphs", "daily"],
                                   rnd.randint(0, 3)),
                "upvotes": rnd.choice([None, rnd.randint(0, 300)]),
                "citations": rnd.choice([None, rnd.randint(0, 90)]),
                "abstract": f"An abstract with a [link](/papers/p{i:03d}/) and `code`.",
            })
        files[f"content/papers/batch{start // 40}.yaml"] = json.dumps(
            [{k: v for k, v in item.items() if v is not None} for item in items],
            ensure_ascii=False, indent=1)
    files["content/papers/undated.yaml"] = "title: No date\nauthors: [Jin, Li Na]\n"
    return files


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every output file's bytes; the theme's own assets (copied verbatim from the
    package) by name only, so a build compares with a reference made a minute before."""
    files = {p.relative_to(folder).as_posix(): p.read_bytes()
             for p in sorted(folder.rglob("*")) if p.is_file()}
    manifest = json.loads(files.pop(MANIFEST))["files"]
    # the manifest's digests (not its mtimes) are part of what must match
    files[MANIFEST] = json.dumps({k: v[0] for k, v in manifest.items()
                                  if not k.startswith("assets/")}, sort_keys=True).encode()
    return {k: b"" if k.startswith("assets/") else v for k, v in files.items()}


def assert_same(a: dict[str, bytes], b: dict[str, bytes]) -> None:
    assert sorted(a) == sorted(b)
    assert [k for k in a if a[k] != b[k]] == []


def cli_build(site: Path, output: Path, *args: str, env: dict | None = None) -> None:
    result = subprocess.run([sys.executable, "-m", "papersite", "build", "--site", str(site),
                             "--no-search", "--output", str(output), *args], cwd=ROOT,
                            capture_output=True, text=True, timeout=300,
                            env=None if env is None else {**os.environ, **env})
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return write_files(tmp_path_factory.mktemp("det") / "site", {
        k: textwrap.dedent(v) if isinstance(v, str) else v for k, v in site_files().items()})


@pytest.fixture(scope="module")
def reference(site, tmp_path_factory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("ref") / "out"
    cli_build(site, out, "--jobs", "1")
    files = snapshot(out)
    assert len(files) > 450     # enough pages and files for rendering in parallel
    return files


def test_builds_into_other_folders_with_more_jobs_are_identical(site, reference, tmp_path):
    cli_build(site, tmp_path / "elsewhere" / "deep" / "out", "--jobs", "2")
    assert_same(snapshot(tmp_path / "elsewhere" / "deep" / "out"), reference)


def test_time_zone_and_clock_do_not_matter(site, reference, tmp_path):
    """Time zones 26 hours apart: 'today' differs between them, the site must not."""
    for tz in ("Etc/GMT+12", "Etc/GMT-14"):
        cli_build(site, tmp_path / tz.replace("/", "_"), "--jobs", "1", env={"TZ": tz})
        assert_same(snapshot(tmp_path / tz.replace("/", "_")), reference)
    # and nothing mentions the day of the build (the content's dates are all in 2001-2003)
    now = dt.datetime.now(dt.timezone.utc).date()
    days = {(now + dt.timedelta(days=d)).isoformat() for d in (-1, 0, 1)}
    assert [rel for rel, data in reference.items()
            if any(day.encode() in data for day in days)] == []


class _Listing:
    """What os.scandir returns, with the entries in another order."""

    def __init__(self, entries):
        self.entries = iter(entries)

    def __iter__(self):
        return self

    def __next__(self):
        return next(self.entries)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def close(self):
        pass


@pytest.mark.parametrize("order", ["reversed", "shuffled"])
def test_the_file_systems_listing_order_does_not_matter(site, reference, tmp_path,
                                                        monkeypatch, order):
    real_scandir, real_listdir = os.scandir, os.listdir
    rnd = random.Random(11)
    seen = {"calls": 0}

    def reorder(items):
        seen["calls"] += 1
        items = sorted(items, key=lambda e: getattr(e, "name", e), reverse=True)
        if order == "shuffled":
            rnd.shuffle(items)
        return items

    monkeypatch.setattr(os, "scandir", lambda path=".": _Listing(
        reorder(list(real_scandir(path)))))
    monkeypatch.setattr(os, "listdir", lambda path=".": reorder(real_listdir(path)))
    pipeline.build(BuildOptions(site_dir=site, output=tmp_path / "out", search=False,
                                jobs=1, use_cache=False))
    assert seen["calls"] > 10          # the loader did list folders through these
    monkeypatch.undo()
    assert_same(snapshot(tmp_path / "out"), reference)


def test_the_order_files_were_created_in_does_not_matter(reference, tmp_path):
    files = {k: textwrap.dedent(v) if isinstance(v, str) else v
             for k, v in site_files().items()}
    backwards = tmp_path / "site"
    for rel in reversed(list(files)):          # a different creation (and inode) order
        write_files(backwards, {rel: files[rel]})
    cli_build(backwards, tmp_path / "out", "--jobs", "2")
    assert_same(snapshot(tmp_path / "out"), reference)


def test_colliding_slugs_do_not_depend_on_which_file_comes_first(tmp_path):
    """王 伟 and 汪 伟 both transliterate to wang-wei: each gets its own page, the same one
    whichever file is read first."""
    def build(first: str, second: str) -> dict[str, bytes]:
        root = write_files(tmp_path / f"site-{first.replace(' ', '')}", {
            "site.yaml": "title: T\nbase_url: https://example.org/\n",
            "content/papers/a.yaml": f"title: A\nyear: 2001\nauthors: [{first}, Ada Lovelace]\n",
            "content/papers/b.yaml": f"title: B\nyear: 2002\nauthors: [{second}]\n",
        })
        cli_build(root, root / "_site")
        return snapshot(root / "_site")

    one, two = build("王 伟", "汪 伟"), build("汪 伟", "王 伟")
    people = sorted(k.split("/")[1] for k in one if k.startswith("authors/")
                    and k.endswith("/index.html") and k.count("/") == 2)
    assert len([p for p in people if p.startswith("wang-wei")]) == 2
    assert sorted(k for k in one if k.startswith("authors/")) == \
        sorted(k for k in two if k.startswith("authors/"))
    for name in ("王 伟", "汪 伟"):
        pages = [[k for k in site if k.startswith("authors/wang-wei")
                  and k.endswith("/index.html") and f">{name}</h1>".encode() in site[k]]
                 for site in (one, two)]
        assert pages[0] == pages[1] and len(pages[0]) == 1
