"""No injection: text is escaped, markdown and math are sanitised, links are checked.

A site whose every text field holds an attack is built, and every output file is read
back with a parser: no script but the theme's, no event-handler attribute, no frame or
object, no javascript:/data:/vbscript: URL in a page; feeds are well-formed Atom holding
the text as text; every JSON block (JSON-LD, CSL) parses and gives the text back, so a
`</script>` in a title cannot close the block. The search index is not built here: it is
made from these pages' text.
"""

from __future__ import annotations

import json
import re
import textwrap
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import run_cli, write_files
from papersite.markup import plain_text, render_inline, render_markdown

# One string that tries everything at once, for fields shown as text.
ATTACK = ('<script>alert(1)</script><img src=x onerror=alert(2)><iframe src="javascript:alert(3)">'
          '</iframe><a href="javascript:alert(4)" onclick="alert(5)">x</a></script>'
          '<svg onload=alert(6)>"\'&amp;&lt;/script&gt;<!--')
Q = json.dumps(ATTACK)   # as a YAML double-quoted string

# Markdown fields: every trick of getting markup through a markdown renderer.
MARKDOWN_ATTACK = r"""
Intro <script>alert(1)</script> and <SCRIPT SRC=//evil.example/x.js></SCRIPT>.

[plain](javascript:alert(1)) [upper](JAVASCRIPT:alert(1)) [spaced]( javascript:alert(1))
[entity](&#106;avascript:alert(1)) [tab](java&#x09;script:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=)
[vb](vbscript:msgbox(1)) <javascript:alert(1)> ![img](javascript:alert(1)) [ref][r]

[r]: javascript:alert(1)

<a href="javascript:alert(1)">a</a> <a href="jav&#x0A;ascript:alert(1)">b</a>
<img src=x onerror=alert(1)> <img src="data:image/svg+xml,<svg onload=alert(1)>">
<div onmouseover="alert(1)">d</div> <p style="background:url(javascript:alert(1))">p</p>
<iframe src="https://evil.example/"></iframe> <object data="x.swf"></object> <embed src="x">
<form action="javascript:alert(1)"><input onfocus=alert(1) autofocus><button formaction="javascript:alert(1)">b</button></form>
<svg><script>alert(1)</script></svg> <math><mi xlink:href="javascript:alert(1)">m</mi></math>
<base href="https://evil.example/"> <meta http-equiv="refresh" content="0;url=javascript:alert(1)">
<link rel="stylesheet" href="https://evil.example/x.css"> <style>body{display:none}</style>
<details open ontoggle=alert(1)>t</details> <video><source onerror=alert(1)></video>
<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>
<!--<script>alert(1)</script>--> <![CDATA[<script>alert(1)</script>]]>

Math: $\text{</math><script>alert(1)</script>}$ and $\href{javascript:alert(1)}{x}$
and $\style{background:red}{y}$ and $$\class{evil}{z}$$.
"""


def _site_files() -> dict[str, str]:
    md = json.dumps(MARKDOWN_ATTACK)
    return {
        "site.yaml": f"""\
            title: {Q}
            description: {Q}
            base_url: https://example.org/
            owner: ada
            listings:
              - slug: daily
                title: {Q}
                description: {Q}
            nav:
              - {{title: {Q}, url: /daily/}}
              - {{title: Home, url: /}}
            """,
        "content/papers/a.yaml": f"""\
            title: {Q}
            authors:
              - {Q}
              - {{name: {json.dumps(ATTACK + ' B')}, affiliation: {Q}}}
              - Ada Lovelace
            date: 2023-05-01
            venue: {Q}
            track: {Q}
            note: {Q}
            organization: {Q}
            abstract: {md}
            introduction: {md}
            tags: [{Q}]
            links:
              {Q}: https://example.org/x
              pdf: /files/a.pdf
            bibtex: {Q}
            """,
        "content/papers/b.yaml": """\
            title: "</script><script>alert(1)</script> and <!-- and $x$"
            authors: [Ada Lovelace]
            venue: cvpr
            year: 2022
            abstract: "</script><script>alert(1)</script>"
            note: "</script>"
            tags: ["</script>"]
            """,
        "content/authors/ada.yaml": f"""\
            name: Ada Lovelace
            aliases: [{Q}]
            affiliation: {Q}
            position: {Q}
            bio: {md}
            """,
        "content/venues.yaml": f"""\
            - id: cvpr
              short: {Q}
              name: {json.dumps(ATTACK + ' conference')}
            """,
        "content/tags.yaml": f"""\
            {Q}:
              description: {Q}
            """,
        "content/pages/about.md": f"---\ntitle: {Q}\n---\n{MARKDOWN_ATTACK}\n",
    }


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("inj") / "site"
    write_files(root, {k: textwrap.dedent(v) if not k.endswith(".md") else v
                       for k, v in _site_files().items()})
    result = run_cli("build", "--site", str(root), "--no-search")
    assert result.code == 0, result.err
    return root / "_site"


# --- reading pages back -------------------------------------------------------------------

BANNED_TAGS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "style",
               "video", "audio", "source", "textarea"}
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset",
             "background", "cite", "content"}
BAD_SCHEME = re.compile(r"^(?:javascript|data|vbscript):", re.I)


class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict, bool]] = []   # (tag, attributes, in <head>)
        self.scripts: list[tuple[dict, str]] = []
        self._script: tuple[dict, list[str]] | None = None
        self.text: list[str] = []
        self.in_head = True

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "body":
            self.in_head = False
        self.tags.append((tag, attributes, self.in_head))
        if tag == "script":
            self._script = (attributes, [])

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script[0], "".join(self._script[1])))
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            self._script[1].append(data)
        else:
            self.text.append(data)


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text("utf-8"))
    page.close()
    return page


def page_problems(path: Path) -> list:
    page = parse(path)
    problems = []
    for tag, attrs, in_head in page.tags:
        if tag in BANNED_TAGS or (tag == "meta" and "http-equiv" in attrs) or \
                (tag == "link" and not in_head):
            problems.append(("tag", tag, attrs))
        for name, value in attrs.items():
            if name.startswith("on"):
                problems.append(("handler", tag, name, value))
            if name in URL_ATTRS and value and BAD_SCHEME.match(
                    re.sub(r"[\x00-\x20]", "", value)):
                problems.append(("url", tag, name, value))
            if name == "style" and "url(" in value:
                problems.append(("style", tag, value))
    for attrs, body in page.scripts:
        kind = attrs.get("type")
        if kind in ("application/ld+json", "application/json"):
            if "<" in body:
                problems.append(("json block holds '<'", body[:80]))
            json.loads(body)   # a block cut short by a </script> would not parse
        elif "src" in attrs:
            if not attrs["src"].startswith("/assets/"):
                problems.append(("script src", attrs["src"]))
        elif attrs or not body.startswith("try{var t=localStorage"):
            problems.append(("script", attrs, body[:80]))
    return problems


def test_the_attacks_reached_every_kind_of_page(out):
    """The site under attack has the pages the checks below are meant to read."""
    for rel in ["index.html", "papers/a/index.html", "papers/b/index.html",
                "authors/ada/index.html", "venues/cvpr/index.html", "about/index.html",
                "daily/index.html", "tags/index.html", "feed.xml", "papers.json", "papers.bib"]:
        assert (out / rel).is_file(), rel
    assert len(list(out.rglob("*.html"))) > 15


def test_no_page_has_scripts_handlers_frames_or_bad_urls(out):
    problems = {p.relative_to(out).as_posix(): page_problems(p)
                for p in sorted(out.rglob("*.html"))}
    assert {k: v for k, v in problems.items() if v} == {}


def test_text_fields_are_shown_as_the_text_written(out):
    """Escaping, not stripping: names, venue, tags, track, labels read back verbatim."""
    text = "".join(parse(out / "papers/a/index.html").text)
    for shown in [ATTACK,                        # author name, venue, track, tag, label...
                  ATTACK + " B"]:
        assert shown in text
    assert text.count(ATTACK) >= 6
    person = "".join(parse(out / "authors/ada/index.html").text)
    assert ATTACK in person      # affiliation, position
    tags = "".join(parse(out / "tags/index.html").text)
    assert ATTACK in tags        # tag description


def test_markdown_keeps_harmless_text(out):
    for rel in ["papers/a/index.html", "about/index.html", "authors/ada/index.html"]:
        html = (out / rel).read_text("utf-8")
        assert "Intro" in html and "Math:" in html, rel
    # Math in the abstract; in the introduction, a bio and a page, dollars are text.
    paper = (out / "papers/a/index.html").read_text("utf-8")
    assert "<math" in paper.split('id="intro-h"')[0]
    for html in [paper.split('id="intro-h"')[1],
                 (out / "about/index.html").read_text("utf-8"),
                 (out / "authors/ada/index.html").read_text("utf-8")]:
        assert "Math: $\\text{" in html and "$$\\class{evil}{z}$$" in html


@pytest.mark.parametrize("feed", ["feed.xml", "authors/ada/feed.xml", "venues/cvpr/feed.xml"])
def test_feeds_are_well_formed_and_hold_text_only(out, feed):
    root = ET.fromstring((out / feed).read_bytes())
    atom = "{http://www.w3.org/2005/Atom}"
    for element in root.iter():
        assert element.tag.startswith(atom), element.tag
        if element.tag[len(atom):] in ("title", "subtitle", "summary", "content", "rights"):
            assert element.get("type") in (None, "text"), element.tag   # never html
    names = [e.text for e in root.iter(atom + "name")]
    if feed == "feed.xml":
        assert ATTACK in names and root.find(atom + "title").text == ATTACK


def test_json_ld_round_trips_a_closing_script_tag(out):
    page = parse(out / "papers/b/index.html")
    blocks = {a.get("type"): json.loads(body) for a, body in page.scripts if a.get("type")}
    article = blocks["application/ld+json"]
    assert article["name"] == plain_text("</script><script>alert(1)</script> and <!-- and $x$")
    assert "</script>" in json.dumps(blocks, ensure_ascii=False)
    a = parse(out / "papers/a/index.html")
    ld = next(json.loads(b) for at, b in a.scripts if at.get("type") == "application/ld+json")
    assert [p["name"] for p in ld["author"]][:2] == [ATTACK, ATTACK + " B"]
    csl = next(json.loads(b) for at, b in a.scripts if at.get("id") == "csl-data")
    assert csl["note"] == ATTACK


def test_exports_are_valid_and_keep_the_text(out):
    items = json.loads((out / "papers.json").read_text("utf-8"))
    assert {i["note"] for i in items if "note" in i} >= {ATTACK, "</script>"}
    bib = (out / "papers.bib").read_text("utf-8")
    assert ATTACK in bib          # raw BibTeX the user gave, in a data file


# --- the sanitiser on its own --------------------------------------------------------------

SNIPPETS = [line for line in MARKDOWN_ATTACK.splitlines() if line.strip()]


@pytest.mark.parametrize("snippet", SNIPPETS)
def test_each_markdown_trick_is_neutralised(snippet, tmp_path):
    for rendered in (render_markdown(snippet, "/base/"), render_inline(snippet, "/base/")):
        path = tmp_path / "x.html"
        path.write_text(rendered)
        assert page_problems(path) == []
        assert not re.search(r"<script|javascript:|vbscript:|\bon\w+=", rendered, re.I), rendered


def test_math_output_is_sanitised():
    assert render_inline(r"$\text{</math><script>alert(1)</script>}$") == (
        '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline"><mrow><mtext>'
        '</mtext></mrow></math>')
    linked = render_inline(r"$\href{javascript:alert(1)}{x}$")
    assert "href" not in linked and "<mi>x</mi>" in linked
    assert "style" not in render_inline(r"$\style{color:red}{y}$")


def test_site_relative_links_in_markdown_follow_the_base_path():
    assert render_markdown("[pdf](/files/a.pdf)", "/repo/") == (
        '<p><a href="/repo/files/a.pdf" rel="noopener noreferrer">pdf</a></p>')
