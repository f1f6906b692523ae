"""Every bad input gets `path:line: field: message`, exit 1, no traceback, old site kept.

Each case starts from a good site that was built once, breaks it, builds again and checks
the exact report and that every byte of the previous output is still there (and no
staging folder is left beside it). Most cases call the command line in-process (an
uncaught exception would fail the test just as a traceback would); the pathological YAML
cases run in a subprocess, where a crash of the C parser cannot take pytest down.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import textwrap
from pathlib import Path

import pytest

from conftest import run_cli, write_files
from papersite import cli, loading
from papersite.diagnostics import Diagnostics

GOOD = {
    "site.yaml": """\
        title: Test Site
        base_url: https://example.org/
        owner: ada
        listings:
          - slug: daily
            title: Daily papers
            filter: {tags: daily}
            sort: [-upvotes, -date]
        """,
    "content/papers/a.yaml": """\
        title: A good paper
        authors: [Ada Lovelace, Alan Turing]
        date: 2023-05-01
        venue: CVPR
        tags: [vision, daily]
        links: {pdf: https://example.org/a.pdf}
        image: img/teaser.png
        citations: 3
        upvotes: 10
        """,
    "content/papers/more.yaml": """\
        - id: b
          title: Second paper
          authors: [Ada Lovelace]
          year: 2022
        - id: c
          title: Third paper
          authors: [Grace Hopper]
          year: 2021
        """,
    "content/authors/ada.yaml": """\
        name: Ada Lovelace
        photo: img/ada.png
        """,
    "content/venues.yaml": """\
        - id: cvpr
          short: CVPR
          name: Computer Vision and Pattern Recognition
        """,
    "content/tags.yaml": """\
        vision: {description: Seeing things}
        """,
    "content/pages/about.md": """\
        ---
        title: About
        ---
        Hello.
        """,
    "static/img/teaser.png": b"\x89PNG teaser",
    "static/img/ada.png": b"\x89PNG ada",
}


def invoke(*argv: str) -> tuple[int, str]:
    """Run the command line in this process; (exit code, stderr)."""
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = cli.main(list(argv))
    return code, err.getvalue()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def good_site(tmp_path_factory) -> Path:
    root = write_files(tmp_path_factory.mktemp("good") / "site", GOOD)
    code, err = invoke("build", "--site", str(root), "--no-search")
    assert code == 0, err
    return root


@pytest.fixture
def site(good_site, tmp_path) -> Path:
    """A fresh copy of the good site with its output, to break."""
    copy = tmp_path / "site"
    shutil.copytree(good_site, copy, symlinks=True)
    return copy


def change(site: Path, files: dict) -> None:
    for rel, content in files.items():
        path = site / rel
        if content is None:
            path.unlink()
        elif isinstance(content, bytes):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(content), encoding="utf-8")


def fails(site: Path, *args: str, subprocess: bool = False) -> list[str]:
    """Build the broken site; check the contract; return the reported problems."""
    before = snapshot(site / "_site")
    argv = ("build", "--site", str(site), "--no-search", *args)
    if subprocess:
        result = run_cli(*argv, timeout=60)
        code, err = result.code, result.err
    else:
        code, err = invoke(*argv)
    assert code == 1, err
    assert "Traceback" not in err
    lines = err.splitlines()
    errors = sum(1 for line in lines[:-1] if not line.startswith("warning: "))
    assert lines[-1] == (f"build failed: {errors} error{'s' if errors != 1 else ''}; "
                         "the previous output is untouched")
    assert snapshot(site / "_site") == before
    assert sorted(p.name for p in site.iterdir() if p.name.startswith("._site")) == []
    return lines[:-1]


def test_the_good_site_builds_cleanly(site):
    code, err = invoke("build", "--site", str(site), "--no-search", "--strict")
    assert (code, err) == (0, "")
    assert (site / "_site/papers/a/index.html").is_file()


# --- one case per kind of mistake ----------------------------------------------------------

CASES = {
    "malformed YAML: unclosed list": (
        {"content/papers/a.yaml": "title: A\nauthors: [Ada Lovelace, Alan Turing\n"},
        ["content/papers/a.yaml:3: invalid YAML: while parsing a flow sequence (from line 2), "
         "did not find expected ',' or ']'"]),
    "malformed YAML: tab indentation": (
        {"content/papers/a.yaml": "title: A\n\tauthors: [Ada Lovelace]\n"},
        ["content/papers/a.yaml:2: invalid YAML: while scanning a plain scalar (from line 1), "
         "found a tab character that violates indentation (indent with spaces, not tabs)"]),
    "malformed YAML: bad indentation": (
        {"content/papers/a.yaml": "title: A\n  year: 2023\n"},
        ["content/papers/a.yaml:2: invalid YAML: mapping values are not allowed in this "
         "context (a value that holds ': ' goes in quotes, as in title: \"InstructPix2Pix: "
         "Learning...\"; a key starts where the keys above it start)"]),
    "malformed YAML: a colon in a title": (
        {"content/papers/a.yaml": "title: InstructPix2Pix: Learning\nyear: 2023\n"},
        ["content/papers/a.yaml:1: invalid YAML: mapping values are not allowed in this "
         "context (a value that holds ': ' goes in quotes, as in title: \"InstructPix2Pix: "
         "Learning...\"; a key starts where the keys above it start)"]),
    "malformed YAML: unclosed quote": (
        {"content/papers/a.yaml": "title: 'A paper\nyear: 2023\n"},
        ["content/papers/a.yaml:1: invalid YAML: a quoted value opened on this line is never "
         "closed"]),
    "malformed YAML: duplicate key": (
        {"content/papers/a.yaml": "title: A\nyear: 2023\ntitle: B\n"},
        ["content/papers/a.yaml:3: title: duplicate key 'title'"]),
    "malformed YAML: two documents": (
        {"content/papers/a.yaml": "title: A\n---\ntitle: B\n"},
        ["content/papers/a.yaml:2: more than one YAML document ('---') in one file"]),
    "malformed YAML: undefined alias": (
        {"content/papers/a.yaml": "title: *name\n"},
        ["content/papers/a.yaml:1: invalid YAML: found undefined alias"]),
    "malformed YAML: a list as a mapping key": (
        {"content/papers/a.yaml": "title: A\n[a, b]: 1\n"},
        ["content/papers/a.yaml:2: mapping keys must be plain text"]),
    "malformed front matter in a page": (
        {"content/pages/about.md": "---\ntitle: [About\n---\nHello.\n"},
        ["content/pages/about.md:3: invalid YAML: while parsing a flow sequence (from line 2), "
         "did not find expected ',' or ']'"]),
    "front matter that is a list": (
        {"content/pages/about.md": "---\n- About\n---\nHello.\n"},
        ["content/pages/about.md:2: front matter must be a mapping, found a list"]),
    "wrong types in every paper field": (
        {"content/papers/a.yaml": """\
            id: [a]
            title: [x]
            authors: Ada Lovelace
            et_al: maybe
            author_count: many
            year: twenty
            date: yesterday
            venue: {a: 1}
            track: [3]
            type: poster
            abstract: [1]
            introduction: {}
            tags: vision
            category: [cs]
            links: [https://example.org]
            arxiv: {}
            doi: []
            note: []
            selected: perhaps
            citations: lots
            upvotes: 1.5
            organization: []
            image: [x]
            bibtex: []
            draft: 2
            redirect_from: old-id
            """},
        ["content/papers/a.yaml:1: id: expected text, found a list",
         "content/papers/a.yaml:2: title: expected text, found a list",
         "content/papers/a.yaml:3: authors: expected a list of names, found text",
         "content/papers/a.yaml:4: et_al: expected true or false, found 'maybe'",
         "content/papers/a.yaml:5: author_count: expected a whole number, found 'many'",
         "content/papers/a.yaml:6: year: expected a whole number, found 'twenty'",
         "content/papers/a.yaml:7: date: 'yesterday' is not a valid date; write YYYY-MM-DD",
         "content/papers/a.yaml:8: venue: expected text, found a mapping",
         "content/papers/a.yaml:9: track: expected text, found a list",
         "content/papers/a.yaml:10: type: 'poster' is not a paper type; use one of: "
         "conference, journal, workshop, preprint, thesis, book, chapter, report, other",
         "content/papers/a.yaml:11: abstract: expected text, found a list",
         "content/papers/a.yaml:12: introduction: expected text, found a mapping",
         "content/papers/a.yaml:13: tags: expected a list of tag names, found text",
         "content/papers/a.yaml:14: category: expected text, found a list",
         "content/papers/a.yaml:15: links: expected a mapping of fields, found a list",
         "content/papers/a.yaml:16: arxiv: expected text, found a mapping",
         "content/papers/a.yaml:17: doi: expected text, found a list",
         "content/papers/a.yaml:18: note: expected text, found a list",
         "content/papers/a.yaml:19: selected: expected true or false, found 'perhaps'",
         "content/papers/a.yaml:20: citations: expected a whole number, found 'lots'",
         "content/papers/a.yaml:21: upvotes: expected a whole number, found 1.5",
         "content/papers/a.yaml:22: organization: expected text, found a list",
         "content/papers/a.yaml:23: image: expected text, found a list",
         "content/papers/a.yaml:24: bibtex: expected text, found a list",
         "content/papers/a.yaml:25: draft: expected true or false, found a number",
         "content/papers/a.yaml:26: redirect_from: expected a list of old paper ids, "
         "found text"]),
    "wrong types in author entries": (
        {"content/papers/a.yaml": """\
            title: A
            authors:
              - {name: Ada Lovelace, equal_contribution: maybe, affiliation: [x]}
              - 5
              - [Alan Turing]
            """},
        ["content/papers/a.yaml:3: authors[0].affiliation: expected text, found a list",
         "content/papers/a.yaml:3: authors[0].equal_contribution: expected true or false, "
         "found 'maybe'",
         "content/papers/a.yaml:4: authors[1]: expected a name or a mapping with a name, "
         "found a number",
         "content/papers/a.yaml:5: authors[2]: expected a name or a mapping with a name, "
         "found a list"]),
    "wrong types in every profile field": (
        {"content/authors/ada.yaml": """\
            name: [Ada]
            aliases: Ada L.
            affiliation: {}
            position: []
            homepage: [x]
            email: not-an-email
            orcid: 1234
            scholar: "!"
            github: -bad-
            photo: []
            bio: []
            papers: a
            citations: -1
            h_index: high
            """},
        ["content/authors/ada.yaml:1: name: expected text, found a list",
         "content/authors/ada.yaml:2: aliases: expected a list of names, found text",
         "content/authors/ada.yaml:3: affiliation: expected text, found a mapping",
         "content/authors/ada.yaml:4: position: expected text, found a list",
         "content/authors/ada.yaml:5: homepage: expected text, found a list",
         "content/authors/ada.yaml:6: email: 'not-an-email' is not an email address",
         "content/authors/ada.yaml:7: orcid: '1234' is not an ORCID iD such as "
         "0000-0002-1825-0097",
         "content/authors/ada.yaml:8: scholar: '!' is not a Google Scholar user id "
         "(the user= part of the profile URL)",
         "content/authors/ada.yaml:9: github: '-bad-' is not a GitHub user name",
         "content/authors/ada.yaml:10: photo: expected text, found a list",
         "content/authors/ada.yaml:11: bio: expected text, found a list",
         "content/authors/ada.yaml:12: papers: expected a list of paper ids, found text",
         "content/authors/ada.yaml:13: citations: must not be negative, found -1",
         "content/authors/ada.yaml:14: h_index: expected a whole number, found 'high'"]),
    "wrong types in venues and tags": (
        {"content/venues.yaml": """\
            - id: cvpr
              name: [CVPR]
              type: poster
              url: [x]
            - short: X
            - just a name
            """,
         "content/tags.yaml": "vision: 5\ndaily: {description: [x]}\n"},
        ["content/tags.yaml:1: vision: expected a mapping such as {description: ...}, "
         "found a number",
         "content/tags.yaml:2: description: expected text, found a list",
         "content/venues.yaml:2: name: expected text, found a list",
         "content/venues.yaml:3: type: 'poster' is not a paper type; use one of: "
         "conference, journal, workshop, preprint, thesis, book, chapter, report, other",
         "content/venues.yaml:4: url: expected text, found a list",
         "content/venues.yaml:5: id: required field is missing",
         "content/venues.yaml:5: name: required field is missing",
         "content/venues.yaml:6: expected a venue (a mapping of fields), found text"]),
    "a venues file that is not a list": (
        {"content/venues.yaml": "cvpr: {name: CVPR}\n"},
        ["content/venues.yaml:1: expected a list of venues, found a mapping"]),
    "a paper's title is missing": (
        {"content/papers/a.yaml": "authors: [Ada Lovelace]\nyear: 2023\n"},
        ["content/papers/a.yaml:1: title: required field is missing"]),
    "an id is missing in a list file": (
        {"content/papers/more.yaml": "- title: No id\n- id: c\n  title: C\n"},
        ["content/papers/more.yaml:1: id: required in a file that lists several papers"]),
    "an author profile has no name": (
        {"content/authors/ada.yaml": "affiliation: Somewhere\n"},
        ["content/authors/ada.yaml:1: name: required field is missing"]),
    "a page has no title": (
        {"content/pages/about.md": "Just text.\n"},
        ["content/pages/about.md:1: title: required field is missing"]),
    "a blank author name": (
        {"content/papers/a.yaml": """\
            title: A
            authors:
              - Ada Lovelace
              - "   "
              -
              - {name: ""}
            """},
        ["content/papers/a.yaml:4: authors[1]: must not be blank",
         "content/papers/a.yaml:5: authors[2]: expected a name or a mapping with a name, "
         "found nothing",
         "content/papers/a.yaml:6: authors[3].name: must not be blank"]),
    "a blank title and tag": (
        {"content/papers/a.yaml": "title: ' '\ntags: ['']\n"},
        ["content/papers/a.yaml:1: title: must not be blank",
         "content/papers/a.yaml:2: tags[0]: must not be blank"]),
    "a paper file that is a scalar": (
        {"content/papers/a.yaml": "just some text\n"},
        ["content/papers/a.yaml:1: expected a paper or a list of them, found text"]),
    "a paper file that is empty": (
        {"content/papers/a.yaml": ""},
        ["content/papers/a.yaml:1: file is empty; expected a paper or a list of them"]),
    "a paper file of comments only": (
        {"content/papers/a.yaml": "# nothing yet\n"},
        ["content/papers/a.yaml:1: file is empty; expected a paper or a list of them"]),
    "a list file with a scalar item": (
        {"content/papers/more.yaml": "- id: b\n  title: B\n- 42\n"},
        ["content/papers/more.yaml:3: expected a paper (a mapping of fields), found a number"]),
    "an author file that is a list": (
        {"content/authors/ada.yaml": "- name: Ada Lovelace\n"},
        ["content/authors/ada.yaml:1: expected an author profile (a mapping of fields), "
         "found a list"]),
    "duplicate paper ids across files": (
        {"content/papers/more.yaml": "- id: a\n  title: Another A\n"},
        ["content/papers/more.yaml:1: id: duplicate paper id 'a' "
         "(also at content/papers/a.yaml:1)"]),
    "duplicate profile ids": (
        {"content/authors/lovelace.yaml": "id: ada\nname: Ada King\n"},
        ["content/authors/lovelace.yaml:1: id: duplicate author id 'ada' "
         "(also at content/authors/ada.yaml:1)"]),
    "ids that try to escape": (
        {"content/papers/more.yaml": """\
            - id: ../x
              title: T
            - id: /etc/passwd
              title: T
            - id: 'a\\b'
              title: T
            - id: 'C:x'
              title: T
            - id: con
              title: T
            - id: aux.txt
              title: T
            - id: lpt1
              title: T
            - id: a/b
              title: T
            - id: .hidden
              title: T
            - id: Upper
              title: T
            """},
        [f"content/papers/more.yaml:{line}: id: '{value}' is not a valid id: use lowercase "
         "letters, digits, '.', '_' and '-', starting with a letter or digit (at most 120)"
         for line, value in [(1, "../x"), (3, "/etc/passwd"), (5, "a\\b"), (7, "C:x")]]
        + [f"content/papers/more.yaml:{line}: id: '{value}' is a reserved file name on "
           "Windows; choose another id" for line, value in [(9, "con"), (11, "aux.txt"),
                                                            (13, "lpt1")]]
        + [f"content/papers/more.yaml:{line}: id: '{value}' is not a valid id: use lowercase "
           "letters, digits, '.', '_' and '-', starting with a letter or digit (at most 120)"
           for line, value in [(15, "a/b"), (17, ".hidden"), (19, "Upper")]]),
    "an id from a file name that is reserved": (
        {"content/papers/a.yaml": None, "content/papers/nul.yaml": "title: T\n"},
        ["content/papers/nul.yaml:1: id: 'nul' is a reserved file name on Windows; "
         "choose another id"]),
    "slugs and references that try to escape": (
        {"content/pages/about.md": "---\ntitle: About\nslug: ../../etc\n---\nHi\n",
         "content/papers/a.yaml": """\
            title: A
            authors: [{name: Ada Lovelace, id: ../ada}]
            redirect_from: [/old]
            """,
         "content/authors/ada.yaml": "name: Ada Lovelace\npapers: ['..\\b']\n"},
        ["content/authors/ada.yaml:2: papers[0]: '..\\b' is not a valid id: use lowercase "
         "letters, digits, '.', '_' and '-', starting with a letter or digit (at most 120)",
         "content/pages/about.md:3: slug: '../../etc' is not a valid id: use lowercase "
         "letters, digits, '.', '_' and '-', starting with a letter or digit (at most 120)",
         "content/papers/a.yaml:2: authors[0].id: '../ada' is not a valid id: use lowercase "
         "letters, digits, '.', '_' and '-', starting with a letter or digit (at most 120)",
         "content/papers/a.yaml:3: redirect_from[0]: '/old' is not a valid id: use lowercase "
         "letters, digits, '.', '_' and '-', starting with a letter or digit (at most 120)"]),
    "slugs that take the site's own paths": (
        {"content/pages/tags.md": "---\ntitle: My tags\n---\nHi\n",
         "content/pages/about.md": "---\ntitle: About\nslug: feed.xml\n---\nHi\n"},
        ["content/pages/about.md:3: slug: 'feed.xml' ends like a file the site writes "
         "(.xml); choose an id without it",
         "content/pages/tags.md:1: slug: 'tags' is taken by the site's own pages (/tags/); "
         "choose another slug"]),
    "a page and a listing with one slug": (
        {"content/pages/daily.md": "---\ntitle: Daily\n---\nHi\n"},
        ["content/pages/daily.md:1: slug: 'daily' is also the slug of a listing in "
         "site.yaml; choose another slug"]),
    "a listing's filter with a value of the wrong kind": (   # an empty listing before
        {"site.yaml": """\
            title: T
            listings:
              - slug: recent
                title: Recent
                filter: {year: "2023"}
              - slug: picked
                title: Picked
                filter: {selected: "yes"}
              - slug: talks
                title: Talks
                filter: {type: Conference}
            """},
        ["site.yaml:5: listings[0].filter: year: expected a whole number, found '2023'",
         "site.yaml:8: listings[1].filter: selected: expected true or false, found 'yes'",
         "site.yaml:11: listings[2].filter: type: expected one of conference, journal, "
         "workshop, preprint, thesis, book, chapter, report, other, found 'Conference'"]),
    "true for a number, and a date out of the years' range": (   # citations: 1 before
        {"content/papers/a.yaml": "title: A\ncitations: true\nupvotes: no\n"
                                  "date: 0999-01-01\n"},
        ["content/papers/a.yaml:2: citations: expected a whole number, found true",
         "content/papers/a.yaml:3: upvotes: expected a whole number, found false",
         "content/papers/a.yaml:4: date: 0999-01-01 is not in a year from 1000 to 2999"]),
    "two listings with one slug": (   # site.yaml, no line, before
        {"site.yaml": """\
            title: T
            listings:
              - slug: daily
                title: Daily
              - slug: daily
                title: Daily again
            """},
        ["site.yaml:5: listings[1].slug: 'daily' is the slug of another listing too (line "
         "3); choose another"]),
    "a web address without https://": (   # read as a path of the site, then broken
        {"content/papers/a.yaml": "title: A\nlinks: {code: github.com/ada/engine}\n"},
        ["content/papers/a.yaml:2: links.code: 'github.com/ada/engine' looks like a web "
         "address: write https://github.com/ada/engine"]),
    "a path that names static/ twice": (
        {"content/papers/a.yaml": "title: A\nimage: static/img/teaser.png\n"},
        ["content/papers/a.yaml:2: image: static/static/img/teaser.png not found (the path "
         "is inside static/ already: write img/teaser.png)"]),
    "front matter that is never closed": (   # "title: required field is missing"
        {"content/pages/about.md": "---\ntitle: About\nHello.\n"},
        ["content/pages/about.md:1: front matter opened by '---' is never closed: end it "
         "with a line of '---' before the page's text"]),
    "an image and a photo that static/ does not hold": (   # only --check-links saw them
        {"content/papers/a.yaml": "title: A\nimage: img/missing.png\n",
         "content/authors/ada.yaml": "name: Ada Lovelace\nphoto: img/ada.jpg\n"},
        ["content/authors/ada.yaml:2: photo: static/img/ada.jpg not found",
         "content/papers/a.yaml:2: image: static/img/missing.png not found"]),
    "a paper id that clashes with another paper's BibTeX file": (   # `check` passed it
        {"content/papers/more.yaml": "- id: a.bib\n  title: T\n- id: index.html\n  title: U\n"},
        ["content/papers/more.yaml:1: id: 'a.bib' ends like a file the site writes (.bib); "
         "choose an id without it",
         "content/papers/more.yaml:3: id: 'index.html' ends like a file the site writes "
         "(.html); choose an id without it"]),
    "a folder in static/ where the site writes a file": (
        {"static/feed.xml/old.xml": "<feed/>"},
        ["_site: feed.xml would be both a file and the folder of feed.xml/old.xml: two ids "
         "or slugs clash, or a file or folder in static/ has a page's name; rename one; the "
         "previous site is untouched"]),
    "date and year disagree": (
        {"content/papers/a.yaml": "title: A\nyear: 2022\ndate: 2023-05-01\n"},
        ["content/papers/a.yaml:3: date: 2023-05-01 is in 2023, but year is 2022; make them "
         "agree (or leave out year: the date sets it)"]),
    "impossible dates": (
        {"content/papers/more.yaml": """\
            - id: b
              title: B
              date: 2023-02-30
            - id: c
              title: C
              date: 2023-13-01
            - id: d
              title: D
              date: 2023-05-01 10:00:00
            - id: e
              title: E
              year: 99999
            """},
        ["content/papers/more.yaml:3: date: '2023-02-30' is not a real date: day is out of "
         "range for month",
         "content/papers/more.yaml:6: date: '2023-13-01' is not a real date: month must be "
         "in 1..12",
         "content/papers/more.yaml:9: date: '2023-05-01 10:00:00' is not a valid date; "
         "write YYYY-MM-DD",
         "content/papers/more.yaml:12: year: must be at most 2999, found 99999"]),
    "negative counts": (
        {"content/papers/a.yaml": "title: A\ncitations: -1\nupvotes: -5\nauthor_count: 0\n",
         "content/authors/ada.yaml": "name: Ada Lovelace\nh_index: -2\n"},
        ["content/authors/ada.yaml:2: h_index: must not be negative, found -2",
         "content/papers/a.yaml:2: citations: must not be negative, found -1",
         "content/papers/a.yaml:3: upvotes: must not be negative, found -5",
         "content/papers/a.yaml:4: author_count: must be at least 1, found 0"]),
    "links with refused schemes": (
        {"content/papers/a.yaml": """\
            title: A
            links:
              pdf: javascript:alert(1)
              code: data:text/html,<script>alert(1)</script>
              video: vbscript:msgbox(1)
              slides: JaVaScRiPt:alert(1)
              poster: "  javascript:alert(1)"
              supp: "java\\tscript:alert(1)"
              data: //evil.example/x
              project: file:///etc/passwd
            """,
         "content/authors/ada.yaml": "name: Ada Lovelace\nhomepage: javascript:alert(1)\n",
         "content/venues.yaml": "- {id: cvpr, name: CVPR, url: 'data:,x'}\n"},
        ["content/authors/ada.yaml:2: homepage: 'javascript:alert(1)': only http(s) and "
         "site-relative links are allowed",
         "content/papers/a.yaml:3: links.pdf: 'javascript:alert(1)': only http(s) and "
         "site-relative links are allowed",
         "content/papers/a.yaml:4: links.code: 'data:text/html,<script>alert(1)</script>': "
         "only http(s) and site-relative links are allowed",
         "content/papers/a.yaml:5: links.video: 'vbscript:msgbox(1)': only http(s) and "
         "site-relative links are allowed",
         "content/papers/a.yaml:6: links.slides: 'JaVaScRiPt:alert(1)': only http(s) and "
         "site-relative links are allowed",
         "content/papers/a.yaml:7: links.poster: '  javascript:alert(1)': only http(s) and "
         "site-relative links are allowed",
         "content/papers/a.yaml:8: links.supp: 'java\\tscript:alert(1)' is not a valid URL: "
         "it holds white space",
         "content/papers/a.yaml:9: links.data: '//evil.example/x': write the full URL with "
         "https://",
         "content/papers/a.yaml:10: links.project: 'file:///etc/passwd': only http(s) and "
         "site-relative links are allowed",
         "content/venues.yaml:1: url: 'data:,x': only http(s) and site-relative links are "
         "allowed"]),
    "image and photo paths that leave static/": (
        {"content/papers/more.yaml": """\
            - {id: b, title: B, image: ../site.yaml}
            - {id: c, title: C, image: /etc/passwd}
            - {id: d, title: D, image: 'C:\\x.png'}
            - {id: e, title: E, image: ~/x.png}
            - {id: f, title: F, image: img/../../site.yaml}
            """,
         "content/authors/ada.yaml": "name: Ada Lovelace\nphoto: ../../secret.png\n"},
        ["content/authors/ada.yaml:2: photo: '../../secret.png' must be a path inside "
         "static/ (relative, without '..')"]
        + [f"content/papers/more.yaml:{n}: image: '{v}' must be a path inside static/ "
           "(relative, without '..')"
           for n, v in [(1, "../site.yaml"), (2, "/etc/passwd"), (3, "C:\\x.png"),
                        (4, "~/x.png"), (5, "img/../../site.yaml")]]),
    "YAML tags that construct objects": (
        {"content/papers/more.yaml": """\
            - id: b
              title: !!python/object/apply:os.system ['touch pwned']
            - !!python/object:builtins.dict {id: c, title: C}
            - id: d
              title: !!python/name:os.system
            - id: e
              title: !!binary aGVsbG8=
            - id: f
              title: F
              tags: !!set {a, b}
            - id: g
              title: !custom G
            """},
        ["content/papers/more.yaml:2: [0].title: unsupported YAML tag "
         "!!python/object/apply:os.system: content is data, and tags that construct objects "
         "are refused"]),
    "typed values that cannot be built": (
        {"content/papers/a.yaml": "title: A\nyear: !!int\nselected: !!bool maybe\n"
                                  "citations: !!float _\n"},
        ["content/papers/a.yaml:2: year: expected a whole number, found ''",
         "content/papers/a.yaml:3: selected: expected true or false, found 'maybe'",
         "content/papers/a.yaml:4: citations: expected a whole number, found '_'"]),
    "a control character in YAML": (
        {"content/papers/a.yaml": "title: A\nnote: Best\x1b[31m paper\n"},
        ["content/papers/a.yaml:2: invalid YAML: the control character U+001B is not allowed; "
         "remove it, or write it as \\x1b inside double quotes"]),
    "links with invisible or misleading characters": (
        {"content/papers/a.yaml": """\
            title: A
            links:
              pdf: "https://example.org/a\\u200b.pdf"
              code: "https://example.org/\\u202egpj.exe"
              data: "https://example.org/\\x1b"
              video: https://example.org/a b
              slides: "0javascript:alert(1)"
            """},
        ["content/papers/a.yaml:3: links.pdf: 'https://example.org/a\\u200b.pdf' is not a valid "
         "URL: it holds the invisible character U+200B",
         "content/papers/a.yaml:4: links.code: 'https://example.org/\\u202egpj.exe' is not a "
         "valid URL: it holds the invisible character U+202E",
         "content/papers/a.yaml:5: links.data: 'https://example.org/\\x1b' is not a valid URL: "
         "it holds the invisible character U+001B",
         "content/papers/a.yaml:6: links.video: 'https://example.org/a b' is not a valid URL: "
         "it holds white space",
         "content/papers/a.yaml:7: links.slides: '0javascript:alert(1)' is not a valid URL: a "
         "':' before the first '/' reads as a scheme"]),
    "a non-Python tag that constructs a set": (
        {"content/papers/a.yaml": "title: A\ntags: !!set {a, b}\n"},
        ["content/papers/a.yaml:2: tags: unsupported YAML tag !!set: content is data, and "
         "tags that construct objects are refused"]),
    "a custom tag": (
        {"content/papers/a.yaml": "title: !custom A\n"},
        ["content/papers/a.yaml:1: title: unsupported YAML tag !custom: content is data, and "
         "tags that construct objects are refused"]),
    "bytes that are not UTF-8": (
        {"content/papers/a.yaml": b"title: A\nauthors: [Jos\xe9 Mart\xednez]\n"},
        ["content/papers/a.yaml:2: not valid UTF-8 (byte 0xe9); save the file as UTF-8"]),
    "a UTF-16 file": (
        {"content/papers/a.yaml": "title: A\n".encode("utf-16")},
        ["content/papers/a.yaml:1: not valid UTF-8 (byte 0xff); save the file as UTF-8"]),
    "a NUL character": (
        {"content/papers/a.yaml": b"title: A\nabstract: x\x00y\n"},
        ["content/papers/a.yaml:2: contains a NUL character; is this a binary file?"]),
    "a name that matches two profiles": (
        {"content/authors/king.yaml": "name: Ada King\naliases: [Ada Lovelace]\n"},
        ["content/papers/a.yaml:2: authors[0]: 'Ada Lovelace' matches 2 author profiles "
         "(ada, king); add `id:` to say which",
         "content/papers/more.yaml:3: authors[0]: 'Ada Lovelace' matches 2 author profiles "
         "(ada, king); add `id:` to say which"]),
    "an author id with no profile": (
        {"content/papers/a.yaml": "title: A\nauthors: [{name: Ada, id: ada-l}]\n"},
        ["content/papers/a.yaml:2: authors[0].id: no author profile 'ada-l' "
         "(expected content/authors/ada-l.yaml)"]),
    "site.yaml with wrong types": (
        {"site.yaml": """\
            title: [x]
            base_url: 5
            paginate: many
            language: 7
            owner: Ada
            nav: {a: b}
            listings: x
            author_list_limit: 0
            cname: "not a domain"
            description: []
            """},
        ["site.yaml:1: title: expected text, found a list",
         "site.yaml:2: base_url: '5' must be an absolute http(s) URL such as "
         "https://user.github.io/papers/",
         "site.yaml:3: paginate: expected a whole number, found 'many'",
         "site.yaml:4: language: '7' is not a language code such as en or en-GB",
         "site.yaml:5: owner: 'Ada' is not a valid id: use lowercase letters, digits, '.', "
         "'_' and '-', starting with a letter or digit (at most 120)",
         "site.yaml:6: nav: expected a list of {title, url} links, found a mapping",
         "site.yaml:7: listings: expected a list of listings, found text",
         "site.yaml:8: author_list_limit: must be at least 1, found 0",
         "site.yaml:9: cname: 'not a domain' is not a domain name such as papers.example.org",
         "site.yaml:10: description: expected text, found a list"]),
    "site.yaml that is not a mapping": (
        {"site.yaml": "- title: T\n"},
        ["site.yaml:1: expected a mapping of settings, found a list"]),
    "site.yaml that is malformed": (
        {"site.yaml": "title: T\nbase_url: [https://example.org/\n"},
        ["site.yaml:3: invalid YAML: while parsing a flow sequence (from line 2), did not "
         "find expected ',' or ']'"]),
    "site.yaml is missing": (
        {"site.yaml": None},
        ["site.yaml: not found: this folder is not a Papersite site (run `papersite init DIR` "
         "to create one)"]),
    "base_url without a scheme": (
        {"site.yaml": "title: T\nbase_url: example.org/papers\n"},
        ["site.yaml:2: base_url: 'example.org/papers' must be an absolute http(s) URL such "
         "as https://user.github.io/papers/"]),
    "base_url with another scheme": (
        {"site.yaml": "title: T\nbase_url: javascript://example.org/\n"},
        ["site.yaml:2: base_url: 'javascript://example.org/' must be an absolute http(s) URL "
         "such as https://user.github.io/papers/"]),
    "base_url with a query": (
        {"site.yaml": "title: T\nbase_url: https://example.org/?a=1\n"},
        ["site.yaml:2: base_url: 'https://example.org/?a=1' must not have a query or "
         "fragment"]),
    "base_url with markup": (
        {"site.yaml": "title: T\nbase_url: 'https://example.org/\"><script>/'\n"},
        ["site.yaml:2: base_url: 'https://example.org/\"><script>/' is not a valid URL: it "
         "holds spaces or characters such as < > \" that must be percent-encoded"]),
    "base_url with a bad host": (
        {"site.yaml": "title: T\nbase_url: https://user:pw@example.org:99999/\n"},
        ["site.yaml:2: base_url: 'https://user:pw@example.org:99999/' has an invalid port"]),
    "a listing on fields that do not exist": (
        {"site.yaml": """\
            title: T
            base_url: https://example.org/
            listings:
              - slug: daily
                title: Daily
                filter: {colour: red}
                sort: [-upvotse, title]
              - slug: papers
                title: Clash
              - slug: by-colour
                title: By colour
                group_by: colour
            home: nowhere
            nav:
              - {title: Evil, url: 'javascript:alert(1)'}
            """},
        ["site.yaml:6: listings[0].filter: cannot filter on 'colour': not a paper field",
         "site.yaml:7: listings[0].sort: cannot sort on 'upvotse': not a paper field",
         "site.yaml:8: listings[1].slug: 'papers' is taken by the site's own pages "
         "(/papers/); choose another slug",
         "site.yaml:12: listings[2].group_by: 'colour' is not one of: 'year', 'month', "
         "'date', 'venue', 'type' or 'none'",
         "site.yaml:15: nav[0].url: 'javascript:alert(1)': only http(s) and site-relative "
         "links are allowed"]),
    "home names no page": (
        {"site.yaml": "title: T\nbase_url: https://example.org/\nhome: nowhere\n"},
        ["site.yaml:3: home: 'nowhere' is not a page of the site; use one of: owner, papers"]),
    "owner names no profile": (
        {"site.yaml": "title: T\nbase_url: https://example.org/\nowner: nobody\n"},
        ["site.yaml:3: owner: no author profile 'nobody' "
         "(expected content/authors/nobody.yaml)"]),
    "a template that references an undefined variable": (
        {"templates/paper.html": """\
            {% extends "base.html" %}
            {% block main %}
            <h1>{{ paper.title_html|safe }}</h1>
            <p>{{ paper.no_such_field }}</p>
            {% endblock %}
            """},
        ["templates/paper.html:4: template error: 'dict object' has no attribute "
         "'no_such_field' (rendering papers/a/index.html)"]),
    "a template with an undefined name": (
        {"templates/page.html": "{% extends 'base.html' %}{% block main %}\n{{ nothing }}"
                                "{% endblock %}"},
        ["templates/page.html:2: template error: 'nothing' is undefined "
         "(rendering about/index.html)"]),
    "a template with a syntax error": (
        {"templates/paper.html": "{% extends 'base.html' %}\n{% block main %}{% if %}"
                                 "{% endblock %}"},
        ["templates/paper.html:2: template syntax error: Expected an expression, got 'end "
         "of statement block'"]),
    "a template that includes a missing file": (
        {"templates/paper.html": "{% extends 'base.html' %}{% block main %}\n\n"
                                 "{% include 'nowhere.html' %}{% endblock %}"},
        ["templates/paper.html:3: template not found: nowhere.html "
         "(rendering papers/a/index.html)"]),
}


@pytest.mark.parametrize("files, expected", CASES.values(), ids=CASES.keys())
def test_bad_input_is_reported_exactly_and_the_site_kept(site, files, expected):
    change(site, files)
    assert fails(site) == expected


def test_check_compiles_the_templates(site):
    """`check` passed a template that does not compile, which `build` then refused (the
    Pages workflow checks first)."""
    change(site, CASES["a template with a syntax error"][0])
    code, err = invoke("check", "--site", str(site))
    assert code == 1
    assert err.splitlines() == CASES["a template with a syntax error"][1] + [
        "check failed: 1 error"]


def test_constructing_tags_run_no_code(site):
    change(site, {"content/papers/a.yaml": "title: !!python/object/apply:os.system "
                                           "['touch pwned']\n"})
    fails(site)
    assert not (site / "pwned").exists() and not Path("pwned").exists()


def test_every_problem_in_one_run(site):
    """Problems in several files and stages are all reported, sorted by file and line."""
    change(site, {"content/papers/a.yaml": "title: A\nyear: x\n",
                  "content/papers/more.yaml": "- id: b\n  title: B\n  citations: -1\n",
                  "content/authors/ada.yaml": "affiliation: X\n",
                  "site.yaml": "title: T\nbase_url: https://example.org/\npaginate: -1\n"})
    assert fails(site) == [
        "content/authors/ada.yaml:1: name: required field is missing",
        "content/papers/a.yaml:2: year: expected a whole number, found 'x'",
        "content/papers/more.yaml:3: citations: must not be negative, found -1",
        "site.yaml:3: paginate: must not be negative, found -1",
    ]


# --- unknown fields: a warning, an error under --strict --------------------------------------

UNKNOWN = {"content/papers/a.yaml": "title: A\nauhtors: [Ada Lovelace]\n",
           "content/authors/ada.yaml": "name: Ada Lovelace\nafiliation: X\n",
           "site.yaml": "title: T\nbase_url: https://example.org/\nowner: ada\npagniate: 5\n"}
UNKNOWN_LINES = [
    "content/authors/ada.yaml:2: afiliation: unknown author profile field "
    "(did you mean 'affiliation'?)",
    "content/papers/a.yaml:2: auhtors: unknown paper field (did you mean 'authors'?)",
    "site.yaml:4: pagniate: unknown site.yaml field (did you mean 'paginate'?)",
]


def test_unknown_fields_fail_under_strict(site):
    change(site, UNKNOWN)
    assert fails(site, "--strict") == UNKNOWN_LINES


def test_unknown_fields_warn_without_strict(site):
    change(site, UNKNOWN)
    code, err = invoke("build", "--site", str(site), "--no-search")
    assert code == 0
    assert err.splitlines() == ["warning: " + line for line in UNKNOWN_LINES]


def test_unknown_paper_fields_from_bibtex_habit_say_what_to_write(site):
    """`journal:`, `pages:` or `pdf:` in a hand-written paper: the warning says where
    each goes, since no field's name is close to them."""
    change(site, {"content/papers/z.yaml": "title: Z\njournal: J. Tests\npages: 1--9\n"
                                           "PDF: https://example.org/a.pdf\n"
                                           "keywords: [x]\n"})
    assert fails(site, "--strict") == [
        "content/papers/z.yaml:2: journal: unknown paper field "
        "(a paper's journal or conference is its `venue`)",
        "content/papers/z.yaml:3: pages: unknown paper field (no paper field holds it: "
        "write it in the paper's own `bibtex` entry, which the site then cites and shows)",
        "content/papers/z.yaml:4: PDF: unknown paper field "
        "(links go under `links`: links: {PDF: https://...})",
        "content/papers/z.yaml:5: keywords: unknown paper field (did you mean 'tags'?)",
    ]


def test_a_profile_name_written_family_name_first_is_warned_about(site):
    """`authors: ["Lovelace, Ada"]`, as BibTeX writes names: as written it is not Ada
    Lovelace's profile but another person with a page of their own; a warning at its
    line says how to write it. A "Last, First" name no profile holds is left alone."""
    change(site, {"content/papers/more.yaml": """\
        - id: b
          title: Second paper
          authors:
            - Grace Hopper
            - Lovelace, Ada
          year: 2022
        - id: c
          title: Third paper
          authors: ["Hopper, Grace", "Lovelace, Ada, Countess"]
          year: 2021
        """})
    code, err = invoke("build", "--site", str(site), "--no-search", "--strict")
    assert code == 0
    assert err.splitlines() == [
        "warning: content/papers/more.yaml:5: authors[1]: 'Lovelace, Ada' is written "
        "family name first, so it is not Ada Lovelace's profile (ada) but a person with "
        "an author page of their own; write 'Ada Lovelace' (or add 'Lovelace, Ada' to "
        "the profile's aliases)"]
    assert "Second paper" not in (site / "_site/authors/ada/index.html").read_text()


def test_a_missing_image_or_photo_of_a_refused_file_is_named_too(site):
    """Every problem in one run: a paper or profile refused for another error still has
    its image or photo looked for, and a path that is itself the error is named once."""
    change(site, {"content/papers/a.yaml": "title: A\nyear: x\nimage: img/missing.png\n",
                  "content/papers/b.yaml": "title: B\nimage: /img/teaser.png\n",
                  "content/authors/ada.yaml": "name: Ada Lovelace\norcid: nope\n"
                                              "photo: img/gone.jpg\n"})
    assert fails(site) == [
        "content/authors/ada.yaml:2: orcid: 'nope' is not an ORCID iD such as "
        "0000-0002-1825-0097",
        "content/authors/ada.yaml:3: photo: static/img/gone.jpg not found",
        "content/papers/a.yaml:2: year: expected a whole number, found 'x'",
        "content/papers/a.yaml:3: image: static/img/missing.png not found",
        "content/papers/b.yaml:2: image: '/img/teaser.png' must be a path inside static/ "
        "(relative, without '..')",
    ]


def test_unknown_fields_of_a_refused_file_are_named_too(site):
    """A misspelt required field (`tilte:`) is reported missing; the run names the typo
    beside it, instead of leaving `title: required` without the line that meant it, and
    an unknown field of a file with another error is not held back for the next run."""
    change(site, {"content/papers/a.yaml": "tilte: A\nauthors: [Ada Lovelace]\n",
                  "content/authors/ada.yaml": "name: Ada Lovelace\nafiliation: X\n"
                                              "orcid: nope\n"})
    assert fails(site) == [
        "warning: content/authors/ada.yaml:2: afiliation: unknown author profile field "
        "(did you mean 'affiliation'?)",
        "content/authors/ada.yaml:3: orcid: 'nope' is not an ORCID iD such as "
        "0000-0002-1825-0097",
        "warning: content/papers/a.yaml:1: tilte: unknown paper field "
        "(did you mean 'title'?)",
        "content/papers/a.yaml:1: title: required field is missing",
    ]


BROKEN_ENTRIES = {"content/papers/more.yaml": """\
    - id: b
      title: Second paper
      bibtex: not bibtex at all
    - id: c
      title: Third paper
      bibtex: "@article{c, title={Third paper}, journal={J. Tests}"
    - id: d
      title: Fourth paper
      bibtex: "@article{d, title={Fourth paper} journal={J. Tests}}"
    - id: e
      title: Fifth paper
      bibtex: "@article{e, title={Fifth {paper, journal={J. Tests}}"
    """}
BROKEN_ENTRY_LINES = [
    "content/papers/more.yaml:3: bibtex: is not a BibTeX entry: write it as @type{key, "
    "field = {value}, ...}; the site publishes it as the paper's citation",
    "content/papers/more.yaml:6: bibtex: the entry does not end where its fields do: a "
    "missing comma or '}'; the site publishes it as the paper's citation",
    "content/papers/more.yaml:9: bibtex: a comma is missing before journal; the site "
    "publishes it as the paper's citation",
    "content/papers/more.yaml:12: bibtex: the value of title has no end: its braces or "
    "quotes do not balance; the site publishes it as the paper's citation"]


def test_a_bibtex_field_that_is_no_entry_warns(site):
    """It was published as the paper's citation without a word."""
    change(site, BROKEN_ENTRIES)
    code, err = invoke("build", "--site", str(site), "--no-search")
    assert code == 0
    assert err.splitlines() == ["warning: " + line for line in BROKEN_ENTRY_LINES]
    assert fails(site, "--strict") == BROKEN_ENTRY_LINES


WEB_ADDRESSES_IN_TEXT = {
    "content/papers/more.yaml": """\
        - id: b
          title: Second paper
          abstract: |
            Code at [our repo](github.com/ada/engine), a [file](files/b.pdf) and
            [a site](https://example.org/).

            [ref]: www.example.org/page
          note: see <a href="arxiv.org/abs/2301.00001">the preprint</a>
        """,
    "content/pages/about.md": "---\ntitle: About\n---\nHello.\n\nRead [this](example.com/x)"
                              " and [that](/papers/).\n"}
WEB_ADDRESS_LINES = [
    f"{path}:{line}: {field}: the link '{link}' looks like a web address but would be "
    f"read as a path of this site: write https://{link}"
    for path, line, field, link in [
        ("content/pages/about.md", 6, "body", "example.com/x"),
        ("content/papers/more.yaml", 3, "abstract", "github.com/ada/engine"),
        ("content/papers/more.yaml", 3, "abstract", "www.example.org/page"),
        ("content/papers/more.yaml", 8, "note", "arxiv.org/abs/2301.00001")]]


def test_a_web_address_without_https_in_markdown_warns(site):
    """In `links` it is an error; in markdown it was read as a path of this site and
    led nowhere, without a word."""
    change(site, WEB_ADDRESSES_IN_TEXT)
    code, err = invoke("build", "--site", str(site), "--no-search")
    assert code == 0
    assert err.splitlines() == ["warning: " + line for line in WEB_ADDRESS_LINES]
    assert fails(site, "--strict") == WEB_ADDRESS_LINES


BASE_PATH_IN_LINKS = {
    "site.yaml": GOOD["site.yaml"].replace("https://example.org/",
                                           "https://ada.github.io/repo/").rstrip(" ") + """\
        nav:
          - {title: Papers, url: /repo/papers/}
          - {title: About, url: /about/}
        """,
    "content/papers/more.yaml": """\
        - id: b
          title: Second paper
          abstract: |
            [Slides](/repo/files/b.pdf#page=2), [the list](repo/papers/), [home](/repo)
            and, right, [slides](/files/b.pdf) and [another site](/repository/x).
          links: {slides: /repo/files/b.pdf, code: https://github.com/ada/repo/}
        """,
    "content/authors/ada.yaml": "name: Ada Lovelace\nhomepage: /repo/about/\n",
    "content/pages/about.md": "---\ntitle: About\n---\nHello.\n\nSee [b](/repo/papers/b/).\n",
    "static/files/b.pdf": b"%PDF-1.4"}


def base_path_line(path: str, line: int, field: str, link: str, instead: str) -> str:
    return (f"{path}:{line}: {field}: the link '{link}' starts with the site's base path "
            f"/repo/, which the site adds to its links itself (it would lead to "
            f"/repo{'/' + link.lstrip('/')}): write {instead}")


BASE_PATH_LINES = [
    base_path_line("content/authors/ada.yaml", 2, "homepage", "/repo/about/", "/about/"),
    base_path_line("content/pages/about.md", 6, "body", "/repo/papers/b/", "/papers/b/"),
    base_path_line("content/papers/more.yaml", 3, "abstract", "/repo", "/"),
    base_path_line("content/papers/more.yaml", 3, "abstract", "/repo/files/b.pdf#page=2",
                   "/files/b.pdf#page=2"),
    base_path_line("content/papers/more.yaml", 3, "abstract", "repo/papers/", "/papers/"),
    base_path_line("content/papers/more.yaml", 6, "links.slides", "/repo/files/b.pdf",
                   "/files/b.pdf"),
    base_path_line("site.yaml", 10, "nav[0].url", "/repo/papers/", "/papers/")]


def test_a_site_link_written_with_the_base_path_warns(site):
    """On a site at /repo/, '/repo/files/b.pdf' was given the base path like every site
    link and led to /repo/repo/files/b.pdf, a 404 said only by `check --links`."""
    change(site, BASE_PATH_IN_LINKS)
    code, err = invoke("build", "--site", str(site), "--no-search")
    assert code == 0, err
    assert err.splitlines() == ["warning: " + line for line in BASE_PATH_LINES]
    assert fails(site, "--strict") == BASE_PATH_LINES
    # The build's --base-url is the base path that counts (the Pages workflow gives it).
    code, err = invoke("build", "--site", str(site), "--no-search", "--base-url",
                       "https://ada.example.org/")
    assert (code, err) == (0, "")


def test_a_base_path_that_is_a_folder_of_the_site_leaves_its_links_alone(site):
    """At https://ada.github.io/papers/, '/papers/b/' is paper b's page, written as a
    site path should be; '/papers/files/b.pdf' is still the base path written twice."""
    change(site, {
        "site.yaml": GOOD["site.yaml"].replace("https://example.org/",
                                               "https://ada.github.io/papers/"),
        "content/papers/more.yaml": """\
            - id: b
              title: Second paper
              abstract: "[all](/papers/), [c](/papers/c/), [pdf](/papers/files/b.pdf)"
            - id: c
              title: Third paper
            """,
        "static/files/b.pdf": b"%PDF-1.4"})
    code, err = invoke("build", "--site", str(site), "--no-search")
    assert code == 0
    assert err.splitlines() == [
        "warning: content/papers/more.yaml:3: abstract: the link '/papers/files/b.pdf' "
        "starts with the site's base path /papers/, which the site adds to its links "
        "itself (it would lead to /papers/papers/files/b.pdf): write /files/b.pdf"]


def test_what_content_holds_and_papersite_does_not_read_is_named(site):
    """A paper put in content/paper/ (a typo), a venues.yaml that is a folder, a notes
    file: each was left out of the site without a word."""
    change(site, {"content/paper/x.yaml": "title: X\n", "content/NOTES.txt": "to do\n",
                  "content/venues.yaml~": "", "content/#tags.yaml#": ""})   # an editor's
    (site / "content/venues.yaml").rename(site / "venues.bak")
    (site / "content/venues.yaml").mkdir()
    code, err = invoke("build", "--site", str(site), "--no-search")
    assert code == 0
    assert err.splitlines() == [
        "warning: content/NOTES.txt: not read: content/ holds papers/, authors/, pages/, "
        "venues.yaml and tags.yaml",
        "warning: content/paper: not read: content/ holds papers/, authors/, pages/, "
        "venues.yaml and tags.yaml (did you mean papers?)",
        "warning: content/venues.yaml: is a folder, not a file: it is not read"]
    # Under --strict the typo and the folder are errors; a notes file stays a warning.
    assert fails(site, "--strict") == [
        "warning: content/NOTES.txt: not read: content/ holds papers/, authors/, pages/, "
        "venues.yaml and tags.yaml",
        "content/paper: not read: content/ holds papers/, authors/, pages/, venues.yaml "
        "and tags.yaml (did you mean papers?)",
        "content/venues.yaml: is a folder, not a file: it is not read"]


# --- files: size limit, BOM, symlinks ---------------------------------------------------------


def test_a_file_over_the_size_limit(site, monkeypatch):
    monkeypatch.setattr(loading, "MAX_FILE_BYTES", 1000)
    change(site, {"content/papers/a.yaml": "title: A\nabstract: " + "x" * 1000 + "\n"})
    assert fails(site) == ["content/papers/a.yaml: file is 1,020 bytes, over the limit of "
                           "1,000; split it into several files"]


def test_a_utf8_bom_is_accepted(site):
    change(site, {"content/papers/a.yaml": "\ufefftitle: Café paper\nyear: 2023\ntags: [daily]\n".encode()})
    code, err = invoke("build", "--site", str(site), "--no-search", "--strict")
    assert (code, err) == (0, "")
    assert "<h1 class=\"paper-title\">Café paper</h1>" in \
        (site / "_site/papers/a/index.html").read_text("utf-8")


def test_files_that_are_no_text_files_are_refused(site):
    """A pipe among the papers made the build wait forever for a writer; a folder named
    like a paper, or a file name in Latin-1 (Python holds its bytes as surrogates, which
    no report or page can carry), ended in a traceback; so did a template that is not
    UTF-8."""
    os.mkfifo(site / "content/papers/pipe.yaml")
    (site / "content/papers/folder.yaml").mkdir()
    for folder in ("content/papers", "content/authors", "content/pages", "templates"):
        name = b"caf\xe9." + (b"md" if folder.endswith("pages") else
                               b"html" if folder == "templates" else b"yaml")
        path = os.path.join(os.fsencode(site / folder), name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(b"---\ntitle: A\n---\n" if folder.endswith("pages") else b"title: A\n")
    assert fails(site, subprocess=True) == [
        "content/authors/caf\\xe9.yaml: file name is not valid UTF-8; rename the file",
        "content/pages/caf\\xe9.md: file name is not valid UTF-8; rename the file",
        "content/papers/caf\\xe9.yaml: file name is not valid UTF-8; rename the file",
        "content/papers/folder.yaml: is a folder, not a file",
        "content/papers/pipe.yaml: is not a regular file (a pipe, a socket or a device); "
        "refused"]
    for path in (site / "content").rglob("caf*"):
        path.unlink()
    (site / "content/papers/pipe.yaml").unlink()
    (site / "content/papers/folder.yaml").rmdir()
    assert fails(site) == ["templates/caf\\xe9.html: file name is not valid UTF-8; rename the "
                           "file"]
    for path in (site / "templates").iterdir():
        path.unlink()
    change(site, {"templates/paper.html": b'{% extends "base.html" %}\n{# caf\xe9 #}\n'})
    assert fails(site) == ["templates/paper.html:2: template error: not valid UTF-8 (byte "
                           "0xe9); save the file as UTF-8"]


def test_a_link_loop_at_the_top_of_content_is_refused(site):
    """It ended check and build with a traceback, from the look at what content/ holds."""
    os.symlink("loop", site / "content/loop")
    assert fails(site) == ["content/loop: is a symbolic link that loops back on itself; "
                           "refused"]


def test_symlinks_that_leave_the_site_are_refused(site, tmp_path):
    secret = tmp_path / "secret.yaml"
    secret.write_text("title: Secret paper\n")
    os.symlink(secret, site / "content/papers/evil.yaml")
    os.symlink("/etc/passwd", site / "static/passwd")
    os.symlink("/etc", site / "static/etc")
    os.symlink(tmp_path, site / "content/authors/elsewhere")
    os.symlink("loop", site / "static/loop")
    os.symlink("missing.yaml", site / "content/papers/dangling.yaml")
    os.symlink("loop.yaml", site / "content/papers/loop.yaml")
    # Python 3.13's Path.resolve() no longer raises for a loop: both are still refused.
    assert fails(site) == [
        "content/authors/elsewhere: is a link to a file outside the site folder; refused",
        "content/papers/dangling.yaml: is a symbolic link to a file that does not exist",
        "content/papers/evil.yaml: is a link to a file outside the site folder; refused",
        "content/papers/loop.yaml: is a symbolic link that loops back on itself; refused",
        "static/etc: is a link to a file outside the site folder; refused",
        "static/loop: is a symbolic link that loops back on itself; refused",
        "static/passwd: is a link to a file outside the site folder; refused",
    ]


def test_symlinks_inside_the_site_are_fine(site):
    os.symlink("../site.yaml", site / "static/copy-of-site.yaml")
    code, err = invoke("build", "--site", str(site), "--no-search")
    assert (code, err) == (0, "")
    assert (site / "_site/copy-of-site.yaml").read_bytes() == (site / "site.yaml").read_bytes()


def test_content_files_found_in_path_order(tmp_path):
    """source_files walks content/ once: papers and profiles folder by folder (a
    sub-folder's files after the names that sort before it), hidden ones skipped; pages
    hidden or not; a papers folder that is a link to a folder inside the site entered."""
    site = tmp_path / "site"
    names = ["papers/b.yaml", "papers/a-b.yaml", "papers/a/z.yaml", "papers/a/b/c.yml",
             "papers/.hidden.yaml", "papers/.git/x.yaml", "papers/notes.txt",
             "authors/ada.yaml", "pages/.draft.md", "pages/about.md", "pages/x/y.md",
             "venues.yaml"]
    write_files(site, {f"content/{name}": "x: 1\n" for name in names} | {"site.yaml": "x: 1\n"})
    found = [(s.kind, s.rel) for s in loading.source_files(site, Diagnostics())]
    assert found == [
        ("paper", "content/papers/a/b/c.yml"), ("paper", "content/papers/a/z.yaml"),
        ("paper", "content/papers/a-b.yaml"), ("paper", "content/papers/b.yaml"),
        ("profile", "content/authors/ada.yaml"), ("venues", "content/venues.yaml"),
        ("page", "content/pages/.draft.md"), ("page", "content/pages/about.md"),
        ("page", "content/pages/x/y.md"), ("site", "site.yaml")]
    (site / "library").mkdir()
    (site / "content/papers").rename(site / "library/papers")
    os.symlink("../library/papers", site / "content/papers")
    diags = Diagnostics()
    again = [(s.kind, s.rel) for s in loading.source_files(site, diags)]
    assert again == found and not diags.items


def test_an_invalid_base_url_on_the_command_line(site):
    assert fails(site, "--base-url", "ftp://x/") == [
        "--base-url: 'ftp://x/' must be an absolute http(s) URL such as "
        "https://user.github.io/papers/"]


# --- pathological YAML, in a subprocess: a crash there must not take pytest down --------------

BOMB = "\n".join([
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    *(f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi")),
    "title: Bomb", ""])

PATHOLOGICAL = {
    "billion laughs": (
        BOMB,
        ["content/papers/a.yaml:1: document too large: more than 200,000 values "
         "(aliases expanded); refusing to load it"]),
    "100,000-deep flow nesting": (
        "title: T\nx: " + "[" * 100_000 + "]" * 100_000 + "\n",
        ["content/papers/a.yaml:2: nested more than 40 levels deep; refusing to load it"]),
    "100,000-deep unclosed flow nesting": (
        "title: T\nx: " + "{a: " * 100_000 + "\n",
        ["content/papers/a.yaml:2: nested more than 40 levels deep; refusing to load it"]),
    "deep block nesting": (
        "title: T\n" + "".join("  " * i + f"k{i}:\n" for i in range(60)) + "  " * 60 + "v: 1\n",
        ["content/papers/a.yaml:43: nested more than 40 levels deep; refusing to load it"]),
    "100,000-deep block sequence": (
        "title: T\nx:\n" + "- " * 100_000 + "a\n",
        ["content/papers/a.yaml:3: nested more than 40 levels deep; refusing to load it"]),
}


@pytest.mark.parametrize("text, expected", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_pathological_yaml_is_refused(site, text, expected):
    change(site, {"content/papers/a.yaml": text})
    assert fails(site, subprocess=True) == expected


def test_a_real_user_run_reports_without_traceback(site):
    """The same contract through the installed command, in a subprocess."""
    change(site, {"content/papers/a.yaml": "title: A\nyear: 2022\ndate: 2023-02-30\n"})
    assert fails(site, subprocess=True) == [
        "content/papers/a.yaml:3: date: '2023-02-30' is not a real date: day is out of range "
        "for month"]


def test_a_big_site_loaded_in_parallel_reports_as_one_process_does(make_site):
    """From loading.PARALLEL_FILES files on, forked processes parse the files, each
    taking runs of them in turn: the same records, the same problems in the same order,
    and what they parsed reaches the cache."""
    files = {f"content/papers/p{i:05d}.yaml": f"title: Paper {i}\nyear: 2020\n"
             for i in range(loading.PARALLEL_FILES)}
    broken = [7, 700, 1300, 1800]   # in different runs (loading.LOAD_RUN files each)
    for i in broken:
        files[f"content/papers/p{i:05d}.yaml"] = "title: [unclosed\n"
    files["content/papers/p01500.yaml"] = "title: T\nyear: soon\n"
    files["content/papers/p01999.yaml"] = "title: T\nauhtors: [A B]\n"
    site = make_site(files)
    loaded = {}
    for jobs in (1, 2, 3):
        diags = Diagnostics()
        cache = loading.ParseCache(site / f"cache-{jobs}.json")
        content = loading.load_content(site, diags, cache, jobs=jobs)
        cache.save()
        loaded[jobs] = ([(r.path, r.line, r.data, r.lines) for r in content.papers],
                        diags.items, content.hashes, loading.ParseCache(cache.path).entries)
    assert loaded[1] == loaded[2] == loaded[3]
    records, problems, _, cached = loaded[2]
    assert len(records) == loading.PARALLEL_FILES - len(broken) and len(cached) > 1990
    assert [(d.path, d.line) for d in problems] == [
        (f"content/papers/p{i:05d}.yaml", 2) for i in broken]
    report = run_cli("check", "--site", str(site), timeout=300)
    assert report.code == 1
    assert "content/papers/p01500.yaml:2: year: expected a whole number" in report.err
    assert "content/papers/p01999.yaml:2: auhtors: unknown paper field" in report.err
    assert "Traceback" not in report.err
