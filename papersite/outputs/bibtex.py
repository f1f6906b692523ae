"""BibTeX export: one entry per paper, per-author and whole-site .bib files.

Citation keys are `<family><year><first title word>` in ASCII, made unique across the
site by a letter suffix given in paper-id order, so a key never changes because an
unrelated paper was added elsewhere in the file order; a paper's own `bibtex` entry
keeps its key. Text is LaTeX-encoded (accents as `{\\'e}`, specials escaped, acronyms
and camel case braced so styles keep their capitals); `$...$` math is kept as math;
names are written `von Last, Jr, First`, and `et_al` adds `and others`. A URL or DOI is
written as it stands, but for its braces, percent-encoded.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType

from ..latex import balanced, decoded_without_pylatexenc
from ..latex import to_text as latex_to_text
from ..markup import plain_text
from ..memo import PaperMemo
from ..names import leading_slug_words, slugify, written_unspaced
from .names import split_name

_ACCENTS = {"\u0301": "'", "\u0300": "`", "\u0302": "^", "\u0308": '"', "\u0303": "~",
            "\u0304": "=", "\u0306": "u", "\u030c": "v", "\u0327": "c", "\u030a": "r",
            "\u030b": "H", "\u0328": "k", "\u0307": "."}
_LETTERS = {"ß": r"{\ss}", "ø": r"{\o}", "Ø": r"{\O}", "æ": r"{\ae}", "Æ": r"{\AE}",
            "œ": r"{\oe}", "Œ": r"{\OE}", "ł": r"{\l}", "Ł": r"{\L}", "ı": r"{\i}",
            "å": r"{\aa}", "Å": r"{\AA}", "đ": r"{\dj}", "–": "--", "—": "---",
            "“": "``", "”": "''", "‘": "`", "’": "'", "…": r"\ldots{}", "\u00a0": "~"}
_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "#": r"\#", "%": r"\%",
            "&": r"\&", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
            "$": r"\$"}
_MATH = re.compile(r"(\$\$[^$]+\$\$|(?<![\\$])\$(?!\s)[^$\n]+?(?<![\s\\])\$)")
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


@lru_cache(maxsize=65536)   # author names come back once per paper
def latex_encode(text: str, protect_caps: bool = False) -> str:
    """UTF-8 text → BibTeX-safe LaTeX; math segments kept as written when their braces
    pair up."""
    out = []
    for i, part in enumerate(_MATH.split(" ".join(text.split()))):
        if i % 2 and balanced(part):
            out.append(part)
        else:   # text, or math whose braces would end the BibTeX value: $f(x)}$
            out.append(_encode_text(part, protect_caps))
    return "".join(out)


def _encode_char(ch: str) -> str:
    if ch in _SPECIAL:
        return _SPECIAL[ch]
    if ch in _LETTERS:
        return _LETTERS[ch]
    if ch.isascii():
        return ch
    parts = unicodedata.normalize("NFD", ch)
    if len(parts) == 2 and parts[0].isascii() and parts[0].isalpha() and parts[1] in _ACCENTS:
        base, command = parts[0], _ACCENTS[parts[1]]
        base = "\\i" if base == "i" else base
        return f"{{\\{command}{{{base}}}}}" if command.isalpha() else f"{{\\{command}{base}}}"
    return ch  # letters with no LaTeX spelling (CJK, Greek, several accents) stay UTF-8


_PLAIN = re.compile(r"[A-Za-z0-9 .,;:!?()'/+=*@<>|\"-]*")


def _encode_text(text: str, protect_caps: bool) -> str:
    if _PLAIN.fullmatch(text):   # most names and titles: nothing to encode
        encoded = text
    else:
        text = unicodedata.normalize("NFC", text)
        encoded = "".join(_encode_char(ch) for ch in text)
    if protect_caps and _INNER_CAPITAL.search(encoded):
        encoded = _WORD.sub(_protect, encoded)
    return encoded


# A word of plain letters and digits, not a LaTeX command name or inside one's braces.
_WORD = re.compile(r"(?<![\\\w{])[A-Za-z0-9][A-Za-z0-9-]*")
# A capital after a letter or digit: without one, no word has a capital past its first
# letter and none needs braces (most titles: a callback a word, skipped).
_INNER_CAPITAL = re.compile(r"[A-Za-z0-9][A-Z]")


def _protect(match: re.Match) -> str:
    """Braces around words whose capitals must survive a sentence-case style: acronyms
    and camel case (CNN, InstructPix2Pix, 3D, Anti-UAV), not Title-Case words."""
    word = match.group(0)
    if any(any(c.isupper() for c in part[1:]) for part in word.split("-")):
        return "{" + word + "}"
    return word


_key_memo: tuple[object, dict[str, str]] | None = None
_RAW_KEY = re.compile(r"@\s*(?!string\b|preamble\b|comment\b)\w+\s*[{(]\s*([^\s,{}()]+)\s*,",
                      re.I)
_STOP = {"a", "an", "the", "on", "of", "for", "in", "to", "and", "with"}
_NOT_LETTER = re.compile(r"[^a-z]")


def _raw_key(bibtex: str) -> re.Match | None:
    return _RAW_KEY.search(bibtex)


# Where an entry's fields start (after `@type{key,`), and each field's `name =`.
_ENTRY_START = re.compile(r"@\s*(?!string\b|preamble\b|comment\b)(\w+)\s*[{(][^,{}()]*,",
                          re.I)
# Between fields: white space, the comma, and `%` comments (biber and Overleaf read them).
_FIELD_NAME = re.compile(r"(?:\s|,|%[^\n]*)*([A-Za-z][\w:.+-]*)\s*=\s*")
_BARE_VALUE = re.compile(r"[^\s,{}\"#()]+")
_VALUE_MARK = re.compile(r'(?<!\\)[{}"]')
_SIMPLE_VALUE = re.compile(r"\{([^{}\\]*)\}")
_CONCATENATION = re.compile(r"\s*#\s*")


def entry_fields(bibtex: str | None) -> dict[str, str | None]:
    """The fields of a paper's own BibTeX entry, by lower-case name, as written between
    their braces or quotes (a bare number as it stands). A macro, or a value joined
    from parts with `#`, is None: what it says is defined outside the entry. The first
    entry only; {} when the text holds none."""
    return _read_entry(bibtex)[0]


def entry_problem(bibtex: str) -> str | None:
    """Why a paper's own `bibtex` text is not one whole BibTeX entry (the site would
    publish it as the paper's citation all the same), or None."""
    return _read_entry(bibtex)[1]


_ENTRY_END = re.compile(r"(?:\s|,|%[^\n]*)*[})]")
_COMMENT = re.compile(r"%[^\n]*")
_NO_ENTRY = "is not a BibTeX entry: write it as @type{key, field = {value}, ...}"


def _read_entry(bibtex: str | None) -> tuple[dict[str, str | None], str | None]:
    """One walk over the first entry: its fields (entry_fields), as far as they can be
    read, and the first thing that keeps the text from being one whole entry
    (entry_problem)."""
    start = _ENTRY_START.search(bibtex or "")
    if start is None:
        return {}, _NO_ENTRY
    before = _COMMENT.sub("", bibtex[:start.start()]).strip()
    problem = _NO_ENTRY if before and not before.startswith("@") else None  # (@string ok)
    text, at, fields, first = bibtex, start.end(), {}, True
    while (name := _FIELD_NAME.match(text, at)) is not None:
        if problem is None and not first:
            gap = text[at:name.start(1)]
            if "," not in (_COMMENT.sub("", gap) if "%" in gap else gap):
                problem = f"a comma is missing before {name.group(1)}"
        first = False
        value, at = _value(text, name.end())
        while at is not None and (joined := _CONCATENATION.match(text, at)) is not None:
            _, at = _value(text, joined.end())
            value = None
        if at is None:   # unbalanced or cut off: keep what was read before
            return fields, problem or (f"the value of {name.group(1)} has no end: its "
                                       "braces or quotes do not balance")
        fields.setdefault(name.group(1).lower(), value)
    if problem is None and _ENTRY_END.match(text, at) is None:
        problem = "the entry does not end where its fields do: a missing comma or '}'"
    return fields, problem


def _value(text: str, at: int) -> tuple[str | None, int | None]:
    """The value at text[at:] and where it ends: {balanced braces}, "quoted" (braces
    inside balanced), a number, or a macro (None); (None, None) when there is none."""
    simple = _SIMPLE_VALUE.match(text, at)   # most values: {text} with no braces inside
    if simple is not None:
        return simple.group(1), simple.end()
    opening = text[at:at + 1]
    if opening == "{" or opening == '"':
        closing = "}" if opening == "{" else '"'
        depth = 0
        for mark in _VALUE_MARK.finditer(text, at + 1):
            if depth == 0 and mark.group() == closing:
                return text[at + 1:mark.start()], mark.end()
            depth += 1 if mark.group() == "{" else -1 if mark.group() == "}" else 0
            if depth < 0:
                break
        return None, None
    bare = _BARE_VALUE.match(text, at)
    if bare is None:
        return None, None
    number = bare.group().isascii() and bare.group().isdigit()
    return (bare.group() if number else None), bare.end()


# What parts a page range: hyphens, the en and em dash, the minus sign.
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2212"
_PAGE_RANGE = re.compile(rf"^\s*([^\s{re.escape(_DASHES)}]+)\s*(?:-+|[{re.escape(_DASHES)}])"
                         rf"\s*([^\s{re.escape(_DASHES)}]+)\s*$")


@lru_cache(maxsize=1024)   # a paper page asks four times: its tags, JSON-LD, CSL, facts
def own_details(bibtex: str | None) -> Mapping[str, str]:
    """Volume, issue and pages that a paper's own BibTeX entry gives (no paper field holds
    them: an import keeps them there), for its page, its Highwire tags and its CSL-JSON
    item. Values are decoded when they are plain enough to decode without pylatexenc
    ({3}, Supplement\\_1, 12--13); one with other LaTeX in it is left out rather than
    shown half decoded. An article's `number` is its issue; another entry's (a report's
    number, a volume's in a series) is not. A thesis's or report's `type` (its degree,
    its kind; "Master's thesis" for @mastersthesis) is its "genre". Returns {"volume",
    "issue", "first_page", "last_page", "genre"} for those given, read-only (every
    caller gets the same)."""
    if not bibtex:
        return _NO_DETAILS
    found: dict[str, str] = {}
    kind = (entry_type(bibtex) or "").lower()
    article = kind == "article"
    for name, value in entry_fields(bibtex).items():
        if name == "type" and kind in _GENRE_KINDS:
            name = "genre"
        elif name not in ("volume", "issue", "pages") and (name != "number" or not article):
            continue
        value = decoded_without_pylatexenc(value) if value is not None else None
        if value is None or "$" in value:
            continue
        value = " ".join(value.split())
        if not value:
            continue
        if name == "pages":
            pages = _PAGE_RANGE.match(value)
            if pages:
                found.setdefault("first_page", pages.group(1))
                found.setdefault("last_page", pages.group(2))
            elif not any(dash in value for dash in _DASHES):   # S1-23--S1-30: which dash?
                found.setdefault("first_page", value)
        else:
            found.setdefault("issue" if name == "number" else name, value)
    if kind == "mastersthesis":
        found.setdefault("genre", "Master's thesis")
    return MappingProxyType(found)


_NO_DETAILS: Mapping[str, str] = MappingProxyType({})
_GENRE_KINDS = {"phdthesis", "mastersthesis", "thesis", "techreport", "report"}


def entry_type(bibtex: str | None) -> str | None:
    """The type of a paper's own BibTeX entry, as written (article, inproceedings...)."""
    start = _ENTRY_START.search(bibtex or "")
    return start.group(1) if start else None


def stale_fields(paper) -> list[tuple[str, str, str]]:
    """Where a paper's own BibTeX entry no longer says what the paper's fields say:
    (field, the entry's, the paper's) for its title, year and authors. The site cites
    the paper with its own entry as written, so a title or author list edited in the
    YAML alone would leave the citation stale.

    Written forms are compared by their letters and digits ({\\"u} and ü, {CNN} and
    CNN, $\\beta$ and β); authors by family name, in order ("Last, First" and "First
    Last" agree, and so do "García Márquez, Gabriel" and "Gabriel García Márquez"), an
    `and others` on either side standing for the names the other lists beyond it. A
    field the entry leaves out, or gives by macro, is not compared; biblatex's `date`
    stands for a missing `year`."""
    fields = entry_fields(paper.bibtex)
    stale = []
    title = fields.get("title")
    if title is not None and not _same_text(title, paper.title):
        stale.append(("title", " ".join(title.split()), paper.title))
    year = fields.get("year")
    if year is None and "year" not in fields and fields.get("date"):
        year = fields["date"].strip()[:4]
    if year is not None and _YEAR.fullmatch(year.strip()) and paper.year is not None \
            and int(year) != paper.year:
        stale.append(("year", year.strip(), str(paper.year)))
    author = fields.get("author")
    if author is not None:
        names = [a if isinstance(a, str) else a.name for a in paper.authors]
        names += ["others"] if paper.et_al else []
        if not _same_names(split_names(author), names):
            stale.append(("author", " ".join(author.split()), " and ".join(names)))
    return stale


_YEAR = re.compile(r"\d{1,4}", re.ASCII)


def _same_names(written: list[str], names: list[str]) -> bool:
    """Whether a BibTeX author list (written) names the paper's authors (names), by
    family name; `others` at the end of either matches whatever the other lists from
    there on."""
    theirs = [_family(name) for name in written]
    more_theirs = theirs[-1:] == ["others"]
    more_ours = names[-1:] == ["others"]
    theirs, names = theirs[:len(theirs) - more_theirs], names[:len(names) - more_ours]
    if more_theirs and len(names) > len(theirs):
        names = names[:len(theirs)]
    elif more_ours and len(theirs) > len(names):
        theirs = theirs[:len(names)]
    return len(theirs) == len(names) and all(
        family in _family_forms(name) for family, name in zip(theirs, names))


@lru_cache(maxsize=65536)   # an author's name comes back with each of their papers
def _family_forms(name: str) -> frozenset[str]:
    """What a BibTeX entry may give as the family name of name, as _letters gives it:
    its family name with or without its particle, or more of its last words
    ("García Márquez", "Ortega y Gasset"). A name in Han, kana or Hangul: for '李华' or
    '長谷川健二', written without a space, any of its first characters ('李, 华', '長谷川,
    健二'); for '山田 太郎', also its last word, as BibTeX reads the entry's '山田 太郎'."""
    given, particle, family, suffix = split_name(name)
    words = " ".join((given, particle, family)).split()
    forms = {_letters(latex_encode(" ".join(words[i:]))) for i in range(len(words))}
    written = name.split()
    if written and all(map(written_unspaced, written)):
        if len(written) == 1:
            forms.update(_letters(name[:n]) for n in range(1, len(name)))
        forms.add(_letters(written[-1]))
    forms.add(_letters(latex_encode(family)))
    return frozenset(forms | {form + _letters(suffix) for form in forms})   # "Doe Jr., John"


_AND_OR_BRACE = re.compile(r"(?<!\\)[{}]|\s+and(?=\s)", re.I)   # "and and": an empty name
_TIE = re.compile(r"(?<!\\)~")   # Donald~E.~Knuth: a space (\~{n} is ñ)
# LaTeX commands: a word (\ss, \textbf, and the space that ends it) or one other
# character (\" \& \{).
_COMMAND = re.compile(r"\\([A-Za-z]+) ?|\\(.)")
# Letters written as a command, and the same letters in Unicode, as they are compared.
_COMMAND_LETTERS = {"ss": "ss", "o": "o", "O": "o", "ae": "ae", "AE": "ae", "oe": "oe",
                    "OE": "oe", "l": "l", "L": "l", "i": "i", "j": "j", "aa": "a", "AA": "a",
                    "dh": "d", "DH": "d", "dj": "d", "DJ": "d", "th": "th", "TH": "th"}
# Math's letters, as Unicode writes them: $\beta$-VAE and β-VAE agree.
_GREEK = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho "
          "sigma tau upsilon phi chi psi omega").split()
_COMMAND_LETTERS.update(zip(_GREEK, "αβγδεζηθικλμνξπρστυφχψω"))
_COMMAND_LETTERS.update({name.capitalize(): _COMMAND_LETTERS[name] for name in
                         ("gamma", "delta", "theta", "lambda", "xi", "pi", "sigma",
                          "upsilon", "phi", "psi", "omega")})
_COMMAND_LETTERS.update(varepsilon="ε", vartheta="θ", varpi="π", varrho="ρ",
                        varsigma="σ", varphi="φ", ell="l")
_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")
_UNICODE_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "ı": "i",
                                  "ð": "d", "đ": "d", "þ": "th"})


def _without_commands(latex: str) -> str:
    latex = _NOOPSORT.sub("", latex)   # {\noopsort{Vries}}de Vries: sorts, prints nothing
    return _COMMAND.sub(lambda m: _COMMAND_LETTERS.get(m.group(1) or "", ""), latex)


_NOOPSORT = re.compile(r"\\noopsort\s*\{[^{}]*\}")


def _letters(text: str) -> str:
    """What two LaTeX spellings of a title or a name must share: their letters and
    digits, without accents, case or commands (math's \\alpha is dropped on both sides).
    A letter given by command (\\ss, \\o) counts as the Unicode letter it makes."""
    if "\\" in text:
        text = _without_commands(text)
    if text.isascii():
        return _NOT_LETTER_OR_DIGIT.sub("", text.lower())
    text = unicodedata.normalize("NFKD", text).casefold().translate(_UNICODE_LETTERS)
    return _NOT_LETTER_OR_DIGIT.sub("", text)


def _same_text(latex: str, text: str) -> bool:
    """Whether a title in LaTeX says text: compared as LaTeX, text encoded as the site's
    own entries encode it (ß and {\\ss}, \\ and \\textbackslash{} then agree)."""
    if _letters(latex) == _letters(latex_encode(text)):
        return True
    if "\\" not in latex:
        return False
    # A command the table does not know (\\LaTeX, \\euro): compare the text an import
    # would have made of the entry's title.
    decoded, complaint = latex_to_text(latex)
    return not complaint and _letters(decoded) == _letters(text)


def split_names(author: str) -> list[str]:
    """A BibTeX author list's names, white space around them stripped: split at each
    "and" outside braces ({Barnes and Noble} is one name; `and~` is no separator, as
    BibTeX has it). The import splits with it too."""
    names, depth, start = [], 0, 0
    for mark in _AND_OR_BRACE.finditer(author):
        if mark.group() == "{":
            depth += 1
        elif mark.group() == "}":
            depth -= 1
        elif depth == 0:
            names.append(author[start:mark.start()])
            start = mark.end()
    names.append(author[start:])
    return [name.strip() for name in names if name.strip()]


@lru_cache(maxsize=65536)
def _family(name: str) -> str:
    """A BibTeX name's family name, as _letters gives it: {\\L}ukasiewicz → lukasiewicz."""
    plain = _TIE.sub(" ", _without_commands(name)).replace("{", "").replace("}", "")
    return _letters(split_name(" ".join(plain.split())).family)


def _base_key(entry) -> str:
    first = entry.bylines[0].name if entry.bylines else None
    return base_key(first, entry.paper.title, entry.paper.year)


def base_key(first_author: str | None, title: str, year: int | None) -> str:
    """`<family><year><first title word>`, before any suffix makes it unique."""
    family = split_name(first_author).family if first_author else ""
    slug = slugify(family, "anon") if family else "anon"
    family = "anon" if slug.startswith("anon-") else (_NOT_LETTER.sub("", slug) or "anon")
    words = [w for w in leading_slug_words(title) if w and w not in _STOP] or [
        w for w in slugify(title, "paper").split("-") if w and w not in _STOP]
    return f"{family}{year or ''}{words[0] if words else ''}"


def citation_keys(catalog) -> dict[str, str]:
    """Every paper's citation key: unique (ignoring case), ASCII, and independent of
    file order.

    A paper's own `bibtex` entry keeps its key. Others get `<family><year><first title
    word>`; papers that share one get letter suffixes in paper-id order, so adding a
    paper changes no key but those sharing its stem.
    """
    global _key_memo
    if _key_memo is not None and _key_memo[0] is catalog:
        return _key_memo[1]
    entries = sorted(catalog.entries, key=lambda e: e.id)
    keys: dict[str, str] = {}
    taken: set[str] = set()
    for entry in entries:
        match = _raw_key(entry.paper.bibtex) if entry.paper.bibtex else None
        if match and match.group(1).lower() not in taken:
            keys[entry.id] = match.group(1)
            taken.add(match.group(1).lower())
    wanted: dict[str, list[str]] = {}
    for entry in entries:
        if entry.id not in keys:
            wanted.setdefault(_base_key(entry), []).append(entry.id)
    # Bare stems first, so a suffixed key never takes another paper's bare stem.
    for base, ids in wanted.items():
        if len(ids) == 1 and base not in taken:
            keys[ids[0]] = base
            taken.add(base)
    for base, ids in sorted(wanted.items()):
        n = 0
        for pid in ids:
            if pid in keys:
                continue
            while f"{base}{key_suffix(n)}" in taken:
                n += 1
            keys[pid] = f"{base}{key_suffix(n)}"
            taken.add(keys[pid])
            n += 1
    _key_memo = (catalog, keys)
    return keys


def venue_field(paper_type: str | None) -> str:
    """The field that names a paper's venue in its BibTeX entry (journal, booktitle...)."""
    return _KINDS.get(paper_type, ("misc", "howpublished"))[1]


def key_suffix(i: int) -> str:
    """The i-th letter suffix that makes a citation key unique: a, b, ... z, aa, ab..."""
    letters = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        letters = chr(97 + r) + letters
    return letters


# entry type and the field that names the venue, by paper type
_KINDS = {"conference": ("inproceedings", "booktitle"), "workshop": ("inproceedings", "booktitle"),
          "journal": ("article", "journal"), "preprint": ("misc", "howpublished"),
          "thesis": ("phdthesis", "school"), "book": ("book", "publisher"),
          "chapter": ("incollection", "booktitle"), "report": ("techreport", "institution"),
          "other": ("misc", "howpublished")}


entry_memo = PaperMemo()   # a paper's BibTeX entry, per catalog


def paper_bibtex(entry, catalog) -> str:
    """The BibTeX entry of a paper; a paper's own `bibtex` field replaces it (with its
    key changed only when another paper's entry already has that key).

    Memoised per catalog: one paper's entry appears in its page, its .bib, its authors'
    .bib files and the site's, and is encoded once."""
    memo = entry_memo.of(catalog)
    text = memo.get(entry.id)
    if text is None:
        text = memo[entry.id] = _paper_bibtex(entry, catalog)
    return text


def _paper_bibtex(entry, catalog) -> str:
    p = entry.paper
    key = citation_keys(catalog)[p.id]
    if p.bibtex:
        raw = p.bibtex.strip()
        match = _raw_key(raw)
        if match and match.group(1) != key:
            raw = raw[:match.start(1)] + key + raw[match.end(1):]
        return raw + "\n"
    series = catalog.series.get(entry.venue) if entry.venue else None
    return made_entry(key, entry.type, p, [b.name for b in entry.bylines],
                      series.name if series is not None else None,
                      site_url=catalog.config.base_url)


_DETAILS = ("editor", "volume", "type", "number", "series", "pages", "publisher", "address",
            "edition", "isbn", "issn")
# A thesis whose type names a master's degree is cited @mastersthesis.
_MASTERS = re.compile(r"\bmaster|\bm\.?\s?sc?\b|\bm\.?\s?a\.?\s+thesis|\bmagist|\bdiplom", re.I)


def made_entry(key: str, paper_type: str | None, p, names: list[str],
               venue_name: str | None, details: dict[str, str] | None = None,
               site_url: str | None = None) -> str:
    """The entry the site writes for paper p (a Paper) under key, its authors printed
    as names, its venue as venue_name. details (editor: printed names joined by " and ";
    volume, number, series, pages, publisher, address, edition, isbn, issn: plain text;
    month: BibTeX's macro; type: a thesis's degree or a report's kind) are what a
    table's import keeps of columns no paper field holds."""
    kind, container = _KINDS.get(paper_type, ("misc", "howpublished"))
    details = details or {}
    if kind == "phdthesis" and _MASTERS.search(details.get("type", "")):
        kind, details = "mastersthesis", {k: v for k, v in details.items() if k != "type"}
    # A title's markdown (*emphasis*, a [link](...)) is its text; its math stays as written.
    fields: list[tuple[str, str]] = [("title", latex_encode(plain_text(p.title), True))]
    if names:
        names = [_bib_name(name) for name in names]
        if p.et_al:
            names.append("others")
        fields.append(("author", " and ".join(names)))
    if venue_name:
        fields.append((container, latex_encode(venue_name)))
    if p.track:
        fields.append(("note", latex_encode(p.track)))
    for name in _DETAILS:
        value = details.get(name)
        if value is None:
            continue
        if name == "pages" and (pages := _PAGE_RANGE.match(value)):
            value = f"{pages.group(1)}--{pages.group(2)}"   # 1443-1456, 12–19
        if name == "editor":   # printed names, as the authors are
            fields.append((name, " and ".join(_bib_name(n) for n in value.split(" and "))))
        elif name != container or not venue_name:   # a book's venue is its publisher
            fields.append((name, latex_encode(value)))
    if p.year is not None:
        fields.append(("year", str(p.year)))
    if p.date is not None:
        fields.append(("month", _MONTHS[p.date.month - 1]))
    elif details.get("month") in _MONTHS:   # a table's 2015-05: a year, and this month
        fields.append(("month", details["month"]))
    if p.doi:
        fields.append(("doi", _verbatim(p.doi)))
    if p.arxiv:
        fields += [("eprint", p.arxiv), ("archiveprefix", "arXiv")]
        if p.category:
            fields.append(("primaryclass", p.category))
    url = p.link("pdf") or p.link("paper")
    if url and url.startswith("/") and not url.startswith("//") and site_url:
        url = site_url.rstrip("/") + url   # a PDF on this site (site_url: its base_url)
    if url and url.startswith(("http://", "https://")):
        fields.append(("url", _verbatim(url)))
    lines = [f"@{kind}{{{key},"]
    for name, value in fields:
        if name == "month":
            lines.append(f"  {name} = {value},")
        else:
            lines.append(f"  {name} = {{{value}}},")
    lines.append("}")
    return "\n".join(lines) + "\n"


_BRACES = str.maketrans({"{": "%7B", "}": "%7D"})


def _verbatim(value: str) -> str:
    """A URL or DOI as a BibTeX value: biblatex reads `url` and `doi` verbatim and BibTeX
    passes them to \\url as they stand, so nothing is LaTeX-escaped (a `\\%` would stay
    in the link), but a brace would end the value or unbalance the entry: `{` and `}` are
    percent-encoded, as a browser sends them (%7B, %7D; doi.org decodes them too). `%`,
    `#` and `~` stay as written, read back the same by BibTeX, biber and bibtexparser."""
    return value.translate(_BRACES)


@lru_cache(maxsize=65536)   # a name is printed once per paper
def _bib_name(name: str) -> str:
    """A name in BibTeX's `von Last, Jr, First` form, LaTeX-encoded."""
    if re.search(r"\band\b", name, re.I):
        return "{" + latex_encode(name) + "}"  # 'Team A and B' is one name, not two
    given, particle, family, suffix = (latex_encode(part) for part in split_name(name))
    if " " in family or "," in family:
        family = "{" + family + "}"
    last = f"{particle} {family}".strip()
    if not given:
        return f"{last}, {suffix}," if suffix else last
    return f"{last}, {suffix}, {given}" if suffix else f"{last}, {given}"


def collection_bibtex(entries, catalog) -> list[bytes]:
    """Several entries in one .bib file, in the order given, one per line: as the file's
    parts (OutputWriter.stage writes them one after the other; the site's papers.bib at
    100,000 papers is not joined in memory)."""
    parts = [part for e in entries for part in (b"\n", paper_bibtex(e, catalog).encode())]
    return parts[1:]
