"""Property tests: whatever a file holds, only diagnostics come out; slugs are safe and
distinct; escaping and sanitising hold for any string.

Example counts stay modest (the suite must stay fast); a failure prints the smallest
input hypothesis found, which becomes a case in test_bad_input.py once fixed.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import posixpath
import re
import shutil
import tempfile
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from conftest import write_files
from test_injection import page_problems
from papersite import loading, markup, names
from papersite.diagnostics import BuildError, Diagnostic
from papersite.model import RESERVED_IDS, SLUG_PATTERN, check_static_path, check_url
from papersite.outputs import bibtex
from papersite.outputs.metadata import script_json
from papersite.pipeline import BuildOptions, build, prepare

# PAPERSITE_PROPERTY_SCALE=20 multiplies every example count, for a thorough run by hand.
SCALE = int(os.environ.get("PAPERSITE_PROPERTY_SCALE", "1"))
FEW = settings(max_examples=100 * SCALE, deadline=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
SOME = settings(max_examples=200 * SCALE, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])

# --- strategies ------------------------------------------------------------------------------

# Pieces of YAML syntax, so that random documents reach deep into the parser.
TOKENS = ["\n", "  ", "- ", ": ", "? ", "[", "]", "{", "}", ",", "&a ", "*a", "&b ", "*b",
          "!!python/object:os.system ", "!!str ", "!!int ", "!!binary ", "!!set ", "!!map ",
          "!!omap ", "!local ", "<<: ", "'", '"', "|", ">", "#", "---", "...", "%YAML 1.1",
          "title", "authors", "id", "year", "date", "2023-02-30", "1e9", "0x1F", "~", "null",
          "yes", "no", ".nan", "-.inf", "\t", "\\u0000", "é", "😀", "\u2028", "\ufeff"]
yaml_like = st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=6)),
                     max_size=40).map("".join)

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                    st.floats(allow_nan=False), st.text(max_size=30),
                    st.dates().map(lambda d: d.isoformat()))
plain_data = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=5)),
    max_leaves=20)
FIELDS = ["id", "title", "authors", "et_al", "author_count", "year", "date", "venue", "track",
          "type", "abstract", "introduction", "tags", "category", "links", "arxiv", "doi",
          "note", "selected", "citations", "upvotes", "organization", "image", "bibtex",
          "draft", "redirect_from", "name", "aliases", "affiliation", "photo", "bio",
          "papers", "homepage", "base_url", "listings", "nav", "home", "owner", "slug"]
# Mappings whose keys are real field names, with anything as values.
field_data = st.dictionaries(st.sampled_from(FIELDS), plain_data, max_size=8)


def dump(data) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


# Text from every corner of Unicode (no surrogates: files are UTF-8), including controls.
any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)

# --- 1. the loader: only diagnostics come out -----------------------------------------------


@FEW
@given(yaml_like)
@example("x: " + "[" * 600 + "]" * 600)        # past the depth prescan's bound
@example("a: &a [*a]")                          # a recursive alias
@example("a: !!int\nb: !!bool maybe\nc: !!float _")   # tags on values they cannot hold
@example("<<: [*a]\na: &a {}")                  # a merge of an alias defined later
def test_any_text_parses_or_gives_a_yaml_problem(text):
    try:
        loading.parse_yaml(text)
    except loading.YamlProblem as problem:
        assert problem.line >= 0 and problem.message


def _nesting_bound(text: str) -> int:
    """The prescan's bound, every line looked at: the brackets, plus the longest run of
    indentation and block indicators that starts a line."""
    flow = text.count("[") + text.count("{")
    return flow + max((m.end() for m in map(loading._BLOCK_NEST.match, text.split("\n"))
                       if m), default=0)


@SOME
@given(st.one_of(yaml_like, st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=4), inner, max_size=3)),
    max_leaves=30).map(dump)), st.integers(0, 40))
@example("a:\n  - - - [x, {b: [c]}]\n", 9)
@example("x: " + "a" * 30 + "\n" + " " * 20 + "- - y\n", 23)
def test_the_nesting_prescan_looks_only_at_the_lines_that_can_matter(text, depth):
    """Matching only lines longer than the brackets leave room for gives the same answer
    as matching every line."""
    assert loading._may_nest_deeper(text, depth) == (_nesting_bound(text) > depth)


@FEW
@given(st.lists(st.one_of(field_data, plain_data), max_size=6))
def test_a_list_files_lines_are_split_per_item_as_asked_one_by_one(items):
    """The one-pass split gives each item the same field lines as the per-item scan."""
    _, lines, _ = loading.parse_yaml(dump(items))
    by_item = loading._lines_by_item(lines)
    for i in range(len(items)):
        assert by_item.get(f"[{i}]", {}) == loading._sub_lines(lines, f"[{i}]")


def _site_with(files: dict[str, str]) -> tuple[Path, Path]:
    tmp = Path(tempfile.mkdtemp(prefix="papersite-prop-"))
    files = {"site.yaml": "title: T\nbase_url: https://example.org/\n", **files}
    return tmp, write_files(tmp / "site", files)


def _only_diagnostics(files: dict[str, str]):
    """prepare() the site: it must succeed or raise BuildError, each problem one line."""
    tmp, site = _site_with(files)
    try:
        return prepare(site, use_cache=False)
    except BuildError as error:
        assert error.diagnostics
        for d in error.diagnostics:
            assert isinstance(d, Diagnostic)
            assert "\n" not in str(d) and "\r" not in str(d)
            assert d.path and not d.path.startswith("/"), d
        return None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


WHERE = ["content/papers/x.yaml", "content/authors/x.yaml", "content/venues.yaml",
         "content/tags.yaml", "site.yaml"]


@FEW
@given(st.sampled_from(WHERE), yaml_like)
def test_any_text_in_any_content_file_gives_only_diagnostics(where, text):
    _only_diagnostics({where: text})


@FEW
@given(st.sampled_from(WHERE), st.one_of(field_data, st.lists(field_data, max_size=3),
                                        plain_data))
def test_any_document_in_any_content_file_gives_only_diagnostics(where, data):
    _only_diagnostics({where: dump(data)})


@FEW
@given(field_data, any_text)
def test_any_front_matter_and_body_in_a_page_gives_only_diagnostics(data, body):
    _only_diagnostics({"content/pages/p.md": f"---\n{dump(data)}---\n{body}"})


# --- 2. arbitrary Unicode in every field of a valid paper --------------------------------------

line_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1,
                    max_size=30).filter(lambda s: s.strip())
paper = st.fixed_dictionaries({
    "title": line_text, "authors": st.lists(line_text, max_size=4),
    "venue": line_text, "track": line_text, "note": line_text, "organization": line_text,
    "abstract": any_text, "introduction": any_text, "tags": st.lists(line_text, max_size=3),
    "links": st.dictionaries(line_text, st.just("https://example.org/x"), max_size=2),
    "bibtex": any_text,
})


@settings(max_examples=25 * SCALE, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(paper, min_size=1, max_size=3), line_text, any_text)
def test_any_unicode_in_every_field_builds_or_gives_diagnostics(papers, name, bio):
    files = {f"content/papers/p{i}.yaml": dump(p) for i, p in enumerate(papers)}
    files["content/authors/someone.yaml"] = dump({"name": name, "bio": bio,
                                                  "affiliation": name})
    tmp, site = _site_with(files)
    try:
        try:
            build(BuildOptions(site_dir=site, search=False, jobs=1, use_cache=False))
        except BuildError as error:     # e.g. a name that is blank once folded
            assert all("\n" not in str(d) for d in error.diagnostics)
            return
        page = (site / "_site/papers/p0/index.html").read_text("utf-8")
        text = _Text()
        text.feed(page)
        shown = " ".join(text.parts)
        for author in papers[0]["authors"]:
            assert author in shown or " ".join(author.split()) in shown
        path = site / "_site/papers/p0/index.html"
        assert page_problems(path) == []
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)


# --- 3. slugs ------------------------------------------------------------------------------------

SLUG = re.compile(SLUG_PATTERN)


def _safe(slug: str) -> bool:
    return (bool(SLUG.match(slug)) and slug.isascii() and ".." not in slug
            and "/" not in slug and "\\" not in slug and len(slug) <= 120
            and slug.split(".")[0] not in RESERVED_IDS)


@SOME
@given(any_text)
@example("")
@example("..")
@example("CON")
@example("aux.txt")
@example("王伟")
@example("../../etc/passwd")
def test_a_slug_is_always_safe(text):
    assert _safe(names.slugify(text)), names.slugify(text)


# Titles made of words, stop words and the pieces of text python-slugify treats as more
# than one character: entities, numbers with commas, quotes, accents, odd spaces.
TITLE_PIECES = ["the", "of", "a", "on", "Learning", "3D", "1,000", "&amp;", "&#233;", "&#x41;",
                "&", "#", ";", "'", "’", ",", "-", "--", ".", "é", "e\u0301", "ß", "Æ", "王伟",
                "😀", "\u00a0", "\u3000", "\u0085", "\u200b", "\t", "\x01", " ", ":", "(", "_",
                "/", "?", "\\", "x" * 30, "x" * 85]
title_like = st.lists(st.one_of(st.sampled_from(TITLE_PIECES), any_text), max_size=30).map(
    "".join)


@SOME
@given(st.one_of(title_like, any_text))
@example("On the Use of Deep Learning for Things")
@example("A " + "x" * 85 + " of Things and Other Things")
@example("12 a b c d 3,\u00854 more words")
def test_a_slugs_leading_words_are_those_of_the_whole_slug(text):
    """The citation key's shortcut (names.leading_slug_words) agrees with slugifying the
    whole title."""
    lead = names.leading_slug_words(text)
    assert lead == names.slugify(text, "paper").split("-")[:len(lead)], (lead, text)


@SOME
@given(st.one_of(title_like, any_text, st.text("aAzZ09-{}\\ $", max_size=30)))
@example("CNNs for 3D Anti-UAV End-to-End InstructPix2Pix Models")
@example("Lixakafier Geno Ra 2D x-Ray")
def test_a_bibtex_title_protects_the_same_words_with_the_shortcut(text):
    """Titles with no capital after a letter or digit skip the per-word protection
    (bibtex._INNER_CAPITAL); every title comes out as with the protection run."""
    plain = bibtex._encode_text(text, False)
    assert bibtex._encode_text(text, True) == bibtex._WORD.sub(bibtex._protect, plain)


def test_a_titles_leading_slug_words_come_from_its_first_six_words():
    assert names.leading_slug_words("On the Use of Deep Learning for Things") == [
        "on", "the", "use", "of", "deep"]            # the sixth word may be cut: left out
    assert names.leading_slug_words("Don't Stop: 1,000 Über-Models, &amp; More") == [
        "don", "t", "stop", "1000", "uber", "models"]   # through python-slugify
    assert names.leading_slug_words("Too Short a Title") == []


@SOME
@given(st.dictionaries(any_text, any_text, max_size=8), st.sets(st.sampled_from(
    ["ada", "item", "wang-wei", "con-item", "x"]), max_size=3), st.randoms())
def test_unique_slugs_are_safe_distinct_and_order_free(keys, taken, rnd):
    slugs = names.unique_slugs(keys, taken=taken)
    assert set(slugs) == set(keys)
    assert len(set(slugs.values())) == len(slugs)          # distinct for distinct keys
    assert not set(slugs.values()) & taken
    assert all(_safe(s) for s in slugs.values()), slugs
    shuffled = list(keys.items())
    rnd.shuffle(shuffled)
    assert names.unique_slugs(dict(shuffled), taken=taken) == slugs


@SOME
@given(any_text, any_text)
def test_names_that_differ_get_different_people_pages(a, b):
    assume(names.normalise(a) != names.normalise(b))
    slugs = names.unique_slugs({names.normalise(a): a, names.normalise(b): b})
    assert slugs[names.normalise(a)] != slugs[names.normalise(b)]


# --- 4. escaping and sanitising ----------------------------------------------------------------

ALLOWED_TAGS = markup._TAGS
HTMLISH = ["<", ">", "&", '"', "'", "=", "/", "script", "a href=", "img src=x onerror=", "on",
           "javascript:", "JaVaScRiPt:", "data:", "vbscript:", "&#106;", "&#x6A;", "<!--",
           "-->", "<![CDATA[", "]]>", "</", "[x](", ")", "![i](", "<svg", "<math", "$",
           "\\text{", "\\href{", "}", "\n", "\n\n", "    ", "`", "*", "_", "|", "#"]
htmlish = st.lists(st.one_of(st.sampled_from(HTMLISH), st.text(max_size=5)),
                   max_size=30).map("".join)


class _Markup(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.problems.append(("tag", tag))
        allowed = markup._ATTRIBUTES.get(tag, set()) | ({"rel"} if tag == "a" else set())
        for name, value in attrs:
            if name not in allowed or name.startswith("on"):
                self.problems.append(("attribute", tag, name))
            if name in ("href", "src") and value and _scheme(value) not in (
                    None, "http", "https", "mailto"):
                self.problems.append(("url", tag, value))

    def handle_comment(self, data):
        self.problems.append(("comment", data))


def _scheme(url: str) -> str | None:
    """The scheme a browser reads in an attribute value (WHATWG URL: tabs and newlines
    removed, leading controls and spaces stripped, a scheme starts with a letter)."""
    url = re.sub(r"[\t\n\r]", "", url).lstrip("".join(map(chr, range(33))))
    match = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", url)
    return match.group(1).lower() if match else None


def _bad_markup(html: str) -> list:
    parser = _Markup()
    parser.feed(html)
    parser.close()
    return parser.problems


@SOME
@given(st.one_of(htmlish, any_text))
@example("<script>alert(1)</script>")
@example("$\\text{</math><script>alert(1)</script>}$")
@example("[x](javascript:alert(1))")
@example("MATHXPH9XPH")
@example('[x]("$<$[x](')   # a formula in a link's address: its text, not MathML
@example('[x](/a "t $x$")')
def test_markdown_output_is_always_within_the_allow_list(text):
    for rendered in (markup.render_markdown(text), markup.render_inline(text, "/base/")):
        assert _bad_markup(rendered) == [], rendered


@SOME
@given(st.one_of(htmlish, any_text))
def test_plain_text_never_fails(text):
    assert isinstance(markup.plain_text(text), str)


@SOME
@given(plain_data)
def test_json_in_a_script_block_never_closes_it(data):
    text = script_json(data)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == json.loads(json.dumps(data))


@SOME
@given(st.one_of(htmlish, any_text))
@example("java\tscript:alert(1)")
@example(" //evil.example")
@example("/\\evil.example")
def test_a_link_that_passes_is_http_or_site_relative(url):
    try:
        checked = check_url(url)
    except ValueError:
        return
    assert re.match(r"^(https?://[^/?#\s]+|/(?!/)|[^:/?#]*(?:[/?#]|$))", checked, re.I), checked
    assert not re.search(r"[\x00-\x20<>\"'\\]", checked)


@SOME
@given(st.one_of(htmlish, any_text, st.lists(st.sampled_from(
    ["..", ".", "a", "/", "\\", "~", "C:", "img", "%2e%2e"]), max_size=6).map("".join)))
def test_a_static_path_that_passes_stays_inside_static(path):
    try:
        checked = check_static_path(path)
    except ValueError:
        return
    normal = posixpath.normpath(checked)
    assert not normal.startswith("/") and ".." not in normal.split("/")
    assert "\\" not in checked and not re.match(r"^[A-Za-z]:", checked)


@SOME
@given(any_text, any_text, any_text)
def test_a_diagnostic_is_always_one_line(path, field, message):
    text = str(Diagnostic(path or "x", 3, field, message))
    assert len(text.splitlines()) == 1


def test_properties_module_uses_real_strategies():
    """The strategies above reach the cases they are meant to (guards against a typo
    that would make every example trivial)."""
    assert textwrap.dedent(dump({"a": [1, {"b": None}]})) == "a:\n- 1\n- b: null\n"


# The characters and line starts markdown cares about, mixed with plain text.
markdownish = st.text(alphabet=st.sampled_from(list("ab _*`<>\\![]()&#;:-+=|~09 \n\t.")),
                      max_size=16)


@SOME
@given(st.one_of(markdownish, any_text))
def test_the_plain_text_fast_path_is_taken_only_when_markdown_changes_nothing(text):
    # _needs_markdown is a cheap scan in front of the _SPECIAL pattern: the two must agree.
    assert markup._needs_markdown(text) == (markup._SPECIAL.search(text) is not None)


# Lines of links, reference definitions (behind what quotes, lists and indents put
# before them), citations and other marks, in any order.
bracketish = st.lists(st.sampled_from(
    ["[a]: /x", "[b]: /y \"t\"", "> [a]: /x", "- [b]: /y", "1. [a]: /x", "\t[a]: /x",
     "[a", "b]: /x", "see [a] and [b][a]", "in [12]: so", "[12, 13] [x] (y)", "![a] ![b][a]",
     "[a](/x) [b]", "`a[0]` [a]", "    [a]", "- [b]", "1. *[a]*", "> [a", "]", "", "x_[a]_"]),
    max_size=6).map("\n".join)


@SOME
@given(st.one_of(bracketish, markdownish, any_text))
@example("see [12, 13] and *this* [a][b] [c] [d]\n\n[e]")
@example("`a[0]` and [x] (y) ![z] [w]\n\n    [v]")
@example("as in [12]: a citation, [a] no link\n\n[b]")
def test_text_without_link_syntax_converts_the_same_without_the_link_patterns(text):
    # A link or an image needs "](" or a reference definition: where markup finds
    # neither, the converter that skips the link patterns gives the full one's HTML.
    assume(not markup._may_link(text))
    full, without_links = markup._markdown(True), markup._markdown(False)
    for md in (full, without_links):
        md.reset()
    assert without_links.convert(text) == full.convert(text)


# --- feeds: the newest papers --------------------------------------------------------------

_feed_papers = st.lists(st.tuples(
    st.integers(1998, 2001),
    st.one_of(st.none(), st.dates(min_value=dt.date(1998, 1, 1), max_value=dt.date(2001, 12, 31))),
    st.sampled_from(["a", "b", "c", "d"])), max_size=30)


@given(_feed_papers, st.integers(1, 6))
def test_feeds_pick_the_newest_by_stamp_then_id(rows, size):
    # Feeds order papers by their <updated> stamp (a year alone is its 1 January), then
    # id; `_newest` compares dates instead of formatting stamps: the same papers, in the
    # same order, whatever the mix of full dates and bare years.
    from types import SimpleNamespace
    from papersite.outputs import feeds

    entries = []
    for i, (year, date, stem) in enumerate(rows):
        paper = SimpleNamespace(id=f"{stem}{i % 3}-{i}", date=date,
                                year=date.year if date else year)
        entries.append(SimpleNamespace(paper=paper, id=paper.id))
    by_stamp = sorted(entries, key=lambda e: (feeds._stamp(e), e.id), reverse=True)[:size]
    by_date = sorted(entries, key=feeds._newest, reverse=True)[:size]
    assert [e.id for e in by_date] == [e.id for e in by_stamp]


# --- list navigation ------------------------------------------------------------------------


@SOME
@given(st.integers(1, 5000).flatmap(lambda total: st.tuples(st.integers(1, total),
                                                            st.just(total))))
def test_page_navigation_shows_the_ends_and_a_window_and_marks_real_gaps(case):
    from papersite.views import PAGES_AROUND, page_numbers
    current, total = case
    numbers = page_numbers(current, total)
    pages = [n for n in numbers if n]
    assert pages == sorted(set(pages)) and pages[0] == 1 and pages[-1] == total
    window = set(range(max(1, current - PAGES_AROUND), min(total, current + PAGES_AROUND) + 1))
    assert window <= set(pages)
    assert len(numbers) <= 2 * PAGES_AROUND + 5   # bounded, however long the list
    for i, n in enumerate(numbers):
        if n == 0:   # a gap stands for two pages or more, never for one
            assert 0 < i < len(numbers) - 1 and numbers[i + 1] - numbers[i - 1] > 2
        elif i and numbers[i - 1]:
            assert n == numbers[i - 1] + 1   # no pages skipped without a gap shown


# --- related papers ---------------------------------------------------------------------------


@SOME
@given(st.integers(0, 59), st.lists(st.sets(st.integers(0, 59), min_size=1), max_size=6),
       st.integers(1, 6))
def test_neighbours_are_the_most_shared_then_the_nearest_in_rank_within_the_window(
        me, groups, limit):
    """Catalog._neighbours on lists of ranks: each group is one author's or tag's papers
    (sorted ranks, the paper itself among them); the candidates are the papers within
    2 × limit places of it in each group, ordered by how many groups share them, then
    by rank."""
    from types import SimpleNamespace
    from papersite.catalog import Catalog
    papers = [SimpleNamespace(id=f"p{i}") for i in range(60)]
    fake = SimpleNamespace(rank={p.id: i for i, p in enumerate(papers)}, entries=papers)
    lists = [sorted(group | {me}) for group in groups]
    got = [p.id for p in Catalog._neighbours(fake, papers[me], lists, limit)]
    window = 2 * limit
    shared: dict[int, int] = {}
    for ranks in lists:
        at = ranks.index(me)
        for r in ranks[max(0, at - window): at + window + 1]:
            if r != me:
                shared[r] = shared.get(r, 0) + 1
    expected = sorted(shared, key=lambda r: (-shared[r], r))[:limit]
    assert got == [f"p{r}" for r in expected]


@SOME
@given(st.lists(st.lists(st.integers(0, 7), max_size=5), max_size=12),
       st.lists(st.sampled_from(["Ann Lee", "Bo Chen", "ann lee", "Åsa Berg"]), min_size=8,
                max_size=8))
def test_coauthors_are_the_most_shared_then_by_name_then_as_first_met(papers, names):
    """Catalog.coauthors: each paper counts a co-author once; most shared first, then by
    name, and people of one name in the order their papers first name them."""
    from types import SimpleNamespace
    from papersite.catalog import Catalog
    people = {f"k{i}": SimpleNamespace(key=f"k{i}", name=name) for i, name in enumerate(names)}
    linked = [tuple(dict.fromkeys(f"k{i}" for i in authors)) for authors in papers]
    entries = [SimpleNamespace(linked=lambda keys=keys: keys) for keys in linked]
    me = SimpleNamespace(key="k0", papers=entries)
    fake = SimpleNamespace(people=people, _name_ranks=None)
    fake._name_order = lambda: Catalog._name_order(fake)
    got = [(p.key, n) for p, n in Catalog.coauthors(fake, me)]
    counts: dict[str, int] = {}
    for entry in entries:
        for key in entry.linked():
            if key != "k0":
                counts[key] = counts.get(key, 0) + 1
    expected = sorted(counts.items(), key=lambda kv: (-kv[1], people[kv[0]].name))
    assert got == expected


# --- import bibtex: LaTeX decoding skipped where the result is plain --------------------


_latex_tokens = st.one_of(
    st.characters(min_codepoint=32, max_codepoint=126),
    st.sampled_from(["{", "}", "\\%", "\\&", "\\_", "\\#", "\\$", "{IEEE/CVF}", "{CNN}",
                     "-", "--", "---", "''", "``", "~", "\\\\", "\\'e", "é", "中", "\u00a0",
                     "\t", "$", "$k$", "$x^{2}$", "$\\alpha_i$", "$O(n)$", "$$x$$", "$}{$",
                     "$a\\$b$", "$ $", "\\LaTeX{}", "\\TeX\\ ", "{\\copyright}"]))


@settings(max_examples=1000, deadline=None)
@given(st.lists(_latex_tokens, max_size=25).map("".join))
@example("1--10")
@example("Proc. of ``the'' conf~2020")
@example("a  b")
@example("¡Hola!` and ?`")
@example("{Deep} {CNN}s gain 3\\% on {IEEE/CVF} x\\_y")
@example("{a}}{")
@example("\\\\%")
@example("$k$-shot, 1--10 and 3\\% on {IEEE/CVF} --- a-{}---b")
@example("*b11$X!)'{$${a}$\\_")
@example("$O(n)$$k$ -- two maths side by side make a $$")
@example("Z-=`$^+&=%)''\"$--<1`")
@example("$\\.$\\%")   # an accent at the end of math takes the closing $
def test_what_the_import_decodes_without_pylatexenc_is_what_pylatexenc_gives(text):
    """A value decoded_without_pylatexenc answers for (plain text, braces, the escapes
    \\% \\& \\_ \\# \\$, dashes, inline math) must come out as pylatexenc decodes it."""
    from papersite.latex import decoded_without_pylatexenc

    ours, theirs = _latex_decoders()
    plain = decoded_without_pylatexenc(text)
    if plain is not None:
        assert plain == theirs.latex_to_text(text)
    assert ours._transform_python_value_string(text) == (theirs.latex_to_text(text), "")


_math_tokens = st.one_of(
    st.characters(min_codepoint=32, max_codepoint=126, exclude_characters="$"),
    st.sampled_from(["\\alpha", "\\ell", "\\log", "\\leq", "\\cdot", "\\sum", "\\infty",
                     "\\mathcal{O}", "\\frac{a}{b}", "\\left(", "\\right)", "\\quad", "\\{",
                     "\\,", "\\|", "\\hat", "\\unknown", "^{2}", "_{i}", "{", "}", " ", "  ",
                     "α", "\\prime", "\\text{ if }"]))


@settings(max_examples=500, deadline=None)
@given(st.lists(_math_tokens, min_size=1, max_size=12).map("".join), st.booleans())
@example("n\\log n", False)
@example("x^{ 2 }", True)
@example("\\alpha{}", False)
def test_math_read_as_text_without_pylatexenc_is_what_pylatexenc_gives(tex, display):
    """A formula simple_math_text answers for (letters, operators, scripts, braces and
    symbol commands) reads in a search excerpt as pylatexenc reads it: the same
    characters, spaced as written (pylatexenc keeps a space after a command before a
    letter, \\alpha n, and drops it before another command)."""
    from papersite.latex import _walker_context, simple_math_text, text_decoder

    formula = f"$${tex}$$" if display else f"${tex}$"
    ours = simple_math_text(formula)
    if ours is not None:
        theirs = text_decoder("text").latex_to_text(formula, latex_context=_walker_context())
        assert "".join(ours.split()) == "".join((theirs.strip() or formula).split())


@functools.cache
def _latex_decoders():
    """The import's decoding step, and pylatexenc's decoder with the import's table
    (bibtexparser's, and the TeX logos)."""
    from papersite.importers.bibtex import _Decode
    from papersite.latex import text_decoder

    return _Decode(), text_decoder()


@SOME
@given(st.text(alphabet=st.sampled_from(list("ab &<>\"'\n\r\t\x01\x0b\ufffeé;#")), max_size=30)
       | st.text(max_size=30))
@example("\"'&<>\n")
def test_feed_escaping_writes_what_xml_sax_saxutils_writes(text):
    """feeds.escape and feeds.quoteattr are written out to keep xml.sax.saxutils (and the
    urllib, ssl and email it imports) out of a build's start: the same text for anything,
    once the characters XML forbids are left out."""
    from xml.sax.saxutils import escape, quoteattr

    from papersite.outputs import feeds

    allowed = feeds._NOT_XML.sub("", text)
    assert feeds.escape(text) == escape(allowed)
    assert feeds.quoteattr(text) == quoteattr(allowed)


# What an import writes has its white space folded (str.split), NEL and the Unicode line
# separators included: the Python emitter writes those in a way that does not read back.
_paper_text = st.text(alphabet=st.characters(codec="utf-8",
                                             exclude_characters="\x85\u2028\u2029"),
                      max_size=120)


@SOME
@given(st.dictionaries(st.sampled_from(["title", "abstract", "venue", "bibtex", "authors",
                                        "links"]),
                       st.one_of(_paper_text, st.lists(_paper_text, max_size=3),
                                 st.dictionaries(st.sampled_from(["pdf", "code"]),
                                                 _paper_text)), min_size=1))
@example({"title": "🤗 Hugging Face and 𝔼[x]", "abstract": "One\nTwo 🚀\n"})
def test_an_imported_paper_reads_back_as_it_was_with_every_character_as_itself(data):
    """An import writes a paper with libyaml's emitter, and with the Python one when
    libyaml would escape a character beyond U+FFFF: the file reads back the same, and
    every such character the Python emitter writes as itself (an emoji in a daily
    paper's title) is written as itself."""
    from papersite.importers import common
    text = common.dump_paper(data, ["Imported by a test"])
    assert yaml.safe_load(text) == data
    python = yaml.dump(data, Dumper=common._Dumper, **common._DUMP_OPTIONS)
    for char in set(re.findall(r"[\U00010000-\U0010FFFF]", json.dumps(data, ensure_ascii=False))):
        assert (char in text) == (char in python)


_printed = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40)


@SOME
@given(_printed, st.lists(_printed.filter(lambda name: any(c.isalnum() for c in name)),
                          min_size=1, max_size=4), st.booleans())
@example("Über-Fast {CNN}s for $\\alpha$-Nets: 100% & a\\b", ["José Müller",
                                                              "Ludwig van der Berg"], True)
@example("Straße", ["Łukasz Øresund-Ærø", "Team A and B", "Martin Luther King, Jr."], False)
def test_the_sites_own_entry_for_a_paper_is_never_called_stale(title, authors, et_al):
    """Taken as a paper's own `bibtex`, the entry the site makes for it agrees with the
    paper: the check for stale entries reads LaTeX and BibTeX names as the export writes
    them, whatever the title and the names hold. Once the paper's title, year and
    authors are edited, each is found stale."""
    from papersite.model import Paper
    try:
        paper = Paper.model_validate({"id": "p", "title": title, "authors": authors,
                                      "et_al": et_al, "year": 2020})
    except ValueError:
        assume(False)
    names = [bibtex._bib_name(a.name) for a in paper.author_entries] + ["others"] * et_al
    entry = ("@article{p,\n"
             f"  title = {{{bibtex.latex_encode(paper.title, True)}}},\n"
             f"  author = {{{' and '.join(names)}}},\n"
             "  year = {2020},\n}\n")
    assert bibtex.stale_fields(paper.model_copy(update={"bibtex": entry})) == []
    # Another first author: caught whether or not either list ends in "others".
    assume("quux" not in bibtex._family_forms(paper.author_entries[0].name))
    edited = paper.model_copy(update={"bibtex": entry, "title": paper.title + " Revisited",
                                      "authors": ["Zoë Quux"] + paper.authors[1:],
                                      "year": 2021})
    assert [name for name, _, _ in bibtex.stale_fields(edited)] == ["title", "year", "author"]
