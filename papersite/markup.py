"""Markdown and math in user text, rendered to safe HTML at build time.

In titles and abstracts, `$...$` and `$$...$$` become MathML (latex2mathml: no
JavaScript, no CDN); math that fails to parse stays as the text the user wrote. Elsewhere
(introductions, bios, notes, pages) a `$` is text, as DESIGN.md says: an introduction
taken from a PDF is full of stray dollars. Markdown output passes an allow-list
sanitiser (nh3), so a `<script>`, an event handler or a `javascript:` URL written in an
abstract never reaches a page. Results are cached: the same abstract appears on many pages.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import nh3

from .latex import math_to_text, simple_math_text, spelled_letters
from .model import from_site_root

_MATH = re.compile(
    r"(?<![\\$])\$\$(?P<display>[^$]+?)\$\$(?!\$)"          # $$ display $$
    r"|(?<![\\$\w])\$(?!\s)(?P<inline>[^$\n]+?)(?<![\s\\])\$(?![\d$])"  # $inline$
)
_PLACEHOLDER = re.compile(r"MATHXPH(\d+)XPH")

_MATHML_TAGS = {"math", "mi", "mn", "mo", "ms", "mtext", "mspace", "mrow", "mfrac", "msqrt",
                "mroot", "mstyle", "merror", "mpadded", "mphantom", "mfenced", "menclose",
                "msub", "msup", "msubsup", "munder", "mover", "munderover", "mmultiscripts",
                "mtable", "mtr", "mtd", "mlabeledtr", "semantics", "annotation", "mprescripts",
                "none"}
_MATHML_ATTRS = {"display", "xmlns", "mathvariant", "stretchy", "fence", "form", "separator",
                 "lspace", "rspace", "columnalign", "rowalign", "displaystyle", "scriptlevel",
                 "accent", "accentunder", "movablelimits", "width", "height", "depth",
                 "linethickness", "minsize", "maxsize", "columnspacing", "rowspacing",
                 "columnlines", "rowlines", "frame", "notation", "symmetric", "largeop",
                 "encoding", "open", "close", "separators", "align"}
_TAGS = nh3.ALLOWED_TAGS | _MATHML_TAGS
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "td": {"align"}, "th": {"align"},
    "ol": {"start"},
    **{tag: _MATHML_ATTRS for tag in _MATHML_TAGS},
}
_MATH_ONLY = {tag: _MATHML_ATTRS for tag in _MATHML_TAGS}
_SCHEMES = {"http", "https", "mailto"}
# Characters and line starts that need the markdown parser; plain text takes a fast path.
_SPECIAL = re.compile(
    r"[*`<>\\]"                      # emphasis, code, HTML, escapes
    r"|(?<!\w)_|_(?!\w)"              # underscores at a word edge (not snake_case)
    r"|!\[|\]\(|\]\[|\]:|^\s*\["   # images, links, reference definitions
    r"|&#?\w+;"                        # entities (a bare & is escaped on the fast path)
    r"|^\s*(?:[-+=#>|~]|\d+[.)])(?:\s|$)|^ {4}|\n[-=]+\s*$",  # block syntax at a line start
    re.M)
# Every match of _SPECIAL needs one of these characters, or a line starting (after
# spaces) with one of _LINE_MARKS or with four spaces. Scanning for them is about 50
# times faster than the pattern, which most abstracts do not match at all.
_MARK_CHARS = "*`<>\\_![]&"
_LINE_MARKS = tuple("-+=#>|~0123456789")


def _needs_markdown(text: str) -> bool:
    """Whether text has anything the markdown parser would change (else: fast path)."""
    if not any(c in text for c in _MARK_CHARS) and not any(
            line.lstrip().startswith(_LINE_MARKS) or line.startswith("    ")
            for line in text.split("\n")):
        return False
    return _SPECIAL.search(text) is not None


@lru_cache(maxsize=None)
def _markdown(links: bool):
    """The markdown converter, made on first use: a site whose texts are plain never
    imports markdown (about 30 ms of each build's start). Its extensions are given as
    objects: named, markdown looks them up among every installed package's entry points.

    `links=False`: without the link and image patterns, for text that cannot hold a
    link. Each `[` sent the link pattern looking for its closing bracket, through the
    paragraph, in Python: introductions that cite as "[12]" spent 40% of the sample
    site's rendering there, to find no link. A link or image needs "](" or a reference
    definition."""
    import markdown
    from markdown.extensions.fenced_code import FencedCodeExtension
    from markdown.extensions.sane_lists import SaneListExtension
    from markdown.extensions.tables import TableExtension

    md = markdown.Markdown(extensions=[TableExtension(), FencedCodeExtension(),
                                       SaneListExtension()], output_format="html")
    if not links:
        for name in ("reference", "link", "image_link", "image_reference",
                     "short_reference", "short_image_ref"):
            md.inlinePatterns.deregister(name)
    return md


# Where a reference definition ("[label]: url") may be: at a line's start, after what a
# quote, a list or an indent puts there. A citation followed by a colon ("in [12]: ...")
# is not one.
_DEFINITION = re.compile(r"^[ \t>*+\-\d.)]*\[[^\[\]]*\]:", re.M)


def _may_link(text: str) -> bool:
    """Whether markdown may find a link or an image in text."""
    return "](" in text or ("]:" in text and _DEFINITION.search(text) is not None)


def _convert(text: str) -> str:
    """Markdown → HTML, not yet sanitised."""
    md = _markdown(_may_link(text))
    md.reset()
    return md.convert(text)


@lru_cache(maxsize=4096)
def tex_to_mathml(tex: str, display: bool) -> str | None:
    import latex2mathml.converter   # imported with the first formula: 7 ms of a start

    try:
        mathml = latex2mathml.converter.convert(tex.strip(), display="block" if display
                                                else "inline")
    except Exception:  # any parse failure: keep the user's text
        return None
    # latex2mathml copies \text{...} verbatim and turns \href, \style and \class into
    # attributes: its output passes the same allow-list as markdown, MathML only.
    if "</mi>" in mathml and _FUNCTION_NAMES.search(mathml):
        mathml = _spaced_functions(mathml)
    return nh3.clean(mathml, tags=_MATHML_TAGS, attributes=_MATH_ONLY, url_schemes=set())


# latex2mathml writes \log as <mi>log</mi>, which browsers set with no space around it
# ("nlogn"); TeX puts a thin space between a function's name and a letter or a number on
# either side ("n log n"), and none next to a bracket or an operator ("exp(x)").
_FUNCTION_NAMES = re.compile(r"<mi>(?:arccos|arcsin|arctan|arg|cosh|cos|coth|cot|csc|deg|"
                             r"det|dim|exp|gcd|hom|ker|lg|ln|log|sec|sinh|sin|tanh|tan|Pr)</mi>")
_MATHML = "{http://www.w3.org/1998/Math/MathML}"
# Elements whose children are a row (the others, msub and the like, take a fixed number).
_ROWS = {_MATHML + t for t in ("math", "mrow", "mstyle", "mtd", "mpadded", "mphantom",
                               "menclose", "msqrt", "merror")}
_SCRIPTED = {_MATHML + t for t in ("msub", "msup", "msubsup")}
_ORDINARY = {_MATHML + t for t in ("mi", "mn", "mfrac")} | _SCRIPTED


def _is_function(element) -> bool:
    """A function's name, on its own or with a script (\\sin^2, \\log_2)."""
    if element.tag in _SCRIPTED and len(element):
        element = element[0]
    return (element.tag == _MATHML + "mi" and element.text is not None
            and _FUNCTION_NAMES.fullmatch(f"<mi>{element.text}</mi>") is not None)


def _spaced_functions(mathml: str) -> str:
    import xml.etree.ElementTree as ET

    try:   # (latex2mathml writes a space in \text{...} as &nbsp;, which XML lacks)
        root = ET.fromstring(mathml.replace("&nbsp;", "&#160;"))
    except ET.ParseError:   # \text{...} is copied as written: left to the sanitiser
        return mathml
    for row in root.iter():
        if row.tag not in _ROWS:
            continue
        children = list(row)
        spaced = []
        for i, child in enumerate(children):
            function = _is_function(child)
            if function and i and children[i - 1].tag in _ORDINARY \
                    and spaced[-1].tag != _MATHML + "mspace":   # (\log\log: one space)
                spaced.append(ET.Element(_MATHML + "mspace", width="0.1667em"))
            spaced.append(child)
            if function and i + 1 < len(children) and children[i + 1].tag in _ORDINARY:
                spaced.append(ET.Element(_MATHML + "mspace", width="0.1667em"))
        if len(spaced) != len(children):
            row[:] = spaced
    ET.register_namespace("", _MATHML[1:-1])
    return ET.tostring(root, encoding="unicode", short_empty_elements=False)


def _extract_math(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Text with each formula replaced by a placeholder, and the formulas: (MathML, the
    source as written)."""
    formulas: list[tuple[str, str]] = []

    def swap(match: re.Match) -> str:
        display = match.group("display") is not None
        tex = match.group("display") if display else match.group("inline")
        mathml = tex_to_mathml(tex, display)
        if mathml is None:
            return match.group(0)
        formulas.append((mathml, match.group(0)))
        return f"MATHXPH{len(formulas) - 1}XPH"

    if "$" not in text:
        return text, formulas
    return _MATH.sub(swap, text), formulas


# A tag of sanitised HTML. nh3 writes every attribute value in double quotes with '"' as
# &quot;, and every '<' of text as &lt;: a '>' inside quotes does not end the tag.
_TAG_SPLIT = re.compile(r'(<(?:[^>"]|"[^"]*")*>)')


def _restore_math(rendered: str, formulas: list[tuple[str, str]]) -> str:
    """The formulas in place of their placeholders: MathML in text, and the source as
    written inside a tag (a formula in a link's address or title is an attribute's
    text, and MathML there would end the attribute)."""
    if not formulas:
        return rendered

    def restore(part: str, in_tag: bool) -> str:
        def formula(match: re.Match) -> str:
            index = int(match.group(1))  # the user may have typed a placeholder: keep it
            if index >= len(formulas):
                return match.group(0)
            mathml, source = formulas[index]
            return html.escape(source) if in_tag else mathml

        return _PLACEHOLDER.sub(formula, part) if "MATHXPH" in part else part

    return "".join(restore(part, i % 2 == 1)
                   for i, part in enumerate(_TAG_SPLIT.split(rendered)))


def _sanitise(rendered: str, base: str) -> str:
    def rebase(tag: str, attr: str, value: str) -> str | None:
        # Links in user text are read from the site's root (model.from_site_root: a bio
        # is shown on several pages) and follow the site's base path.
        if attr in ("href", "src"):
            value = from_site_root(value)
            if value.startswith("/") and not value.startswith("//"):
                return base.rstrip("/") + value
        return value

    return nh3.clean(rendered, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes=_SCHEMES,
                     attribute_filter=rebase, link_rel="noopener noreferrer")


# Every HTML element name: markup using one is HTML (allowed tags kept, the rest removed
# by the sanitiser); any other '<' is text.
_HTML_ELEMENTS = _TAGS | {
    "html", "head", "body", "title", "base", "link", "meta", "style", "script", "noscript",
    "template", "slot", "iframe", "frame", "frameset", "noframes", "object", "embed",
    "param", "applet", "video", "audio", "source", "track", "canvas", "svg", "picture",
    "form", "input", "button", "select", "option", "optgroup", "textarea", "label",
    "fieldset", "legend", "datalist", "output", "progress", "meter", "dialog", "menu",
    "main", "section", "search", "address", "portal", "marquee", "blink", "font", "big",
    "image", "xmp", "listing", "plaintext", "isindex", "keygen", "basefont", "nobr",
    "math", "foreignobject"}
_STRAY_LT = re.compile(r"<(?!/?(?:%s)(?=[\s/>])|[a-z][a-z0-9+.-]*:|!)" % "|".join(
    sorted(_HTML_ELEMENTS, key=len, reverse=True)), re.I)


def _escape_stray_html(body: str) -> str:
    """A '<' that opens no HTML element is text ("x<y and y>z", "<Robust>"), not markup
    for the sanitiser to drop; real elements still go through the allow-list."""
    return _STRAY_LT.sub("&lt;", body) if "<" in body else body


def _plain_paragraphs(text: str) -> str:
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs)


@lru_cache(maxsize=65536)
def render_markdown(text: str, base: str = "/", math: bool = True) -> str:
    """Block markdown, with math unless `math` is false → sanitised HTML."""
    if not text or not text.strip():
        return ""
    body, formulas = _extract_math(text) if math else (text, [])
    if _needs_markdown(body):
        rendered = _sanitise(_convert(_escape_stray_html(body)), base)
    else:
        rendered = _plain_paragraphs(body)
    return _restore_math(rendered, formulas)


def render_title(text: str, base: str = "/") -> str:
    """A paper's title as HTML: inline markdown and math, without links (a list shows
    the title as the link to the paper's page, and a link cannot hold another)."""
    html_ = render_inline(text, base)
    return _LINK_TAG.sub("", html_) if "<a " in html_ else html_


_LINK_TAG = re.compile(r"</?a\b[^>]*>")


@lru_cache(maxsize=65536)
def render_inline(text: str, base: str = "/", math: bool = True) -> str:
    """Inline markdown (titles, notes), with math unless `math` is false → sanitised HTML
    without a paragraph."""
    body, formulas = _extract_math(text) if math else (text, [])
    if _needs_markdown(body):
        rendered = _convert(_escape_stray_html(body)).strip()
        if rendered.startswith("<p>") and rendered.endswith("</p>"):
            rendered = rendered[3:-4]
        rendered = _sanitise(rendered, base)
        rendered = re.sub(r"</?(?:p|h[1-6]|ul|ol|li|blockquote|pre|hr|table)[^>]*>", " ",
                          rendered).strip()
    else:
        rendered = html.escape(" ".join(body.split()), quote=False)
    return _restore_math(rendered, formulas)


_TAG = re.compile(r"<[^>]*>")


@lru_cache(maxsize=65536)
def plain_text(text: str) -> str:
    """Readable text for metadata, feeds and search: markdown marks removed, math as TeX."""
    if not text:
        return ""
    body, _ = text, None
    if _needs_markdown(body):
        body = html.unescape(_TAG.sub("", _convert(_escape_stray_html(body))))
    return " ".join(body.split())


def readable_text(text: str) -> tuple[str, tuple[str, ...]]:
    """plain_text, with each formula read as Unicode text ($\\alpha$-divergence:
    "α-divergence", latex.math_to_text), for search results, which show text; and the
    names of the letters the math writes as commands (alpha), which the text holds only
    as the letters."""
    if not text or "$" not in text:
        return plain_text(text), ()
    return _readable_math(text)


@lru_cache(maxsize=4096)
def _readable_math(text: str) -> tuple[str, tuple[str, ...]]:
    formulas: list[str] = []

    def swap(match: re.Match) -> str:   # (markdown must not read a formula's _ and *)
        formulas.append(match.group(0))
        return f"MATHXPH{len(formulas) - 1}XPH"

    body = _MATH.sub(swap, text)
    if not formulas:
        return plain_text(text), ()

    def restore(match: re.Match) -> str:
        index = int(match.group(1))   # the user may have typed a placeholder: keep it
        return _formula_text(formulas[index]) if index < len(formulas) else match.group(0)

    letters = dict.fromkeys(name for source in formulas for name in spelled_letters(source))
    return _PLACEHOLDER.sub(restore, plain_text(body)), tuple(letters)


def _formula_text(source: str) -> str:
    """A formula as text; one that the pages show as written (it does not parse) stays so."""
    text = simple_math_text(source)
    if text is not None:
        return text
    if tex_to_mathml(source.strip("$"), source.startswith("$$")) is None:
        return source
    return math_to_text(source)
