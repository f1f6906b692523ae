"""BibTeX export: one entry per paper, per-author and whole-site .bib files.

Citation keys are `<family><year><first title word>` in ASCII, made unique across the
site by a letter suffix given in paper-id order, so a key never changes because an
unrelated paper was added elsewhere in the file order. Text is LaTeX-encoded (accents
as `{\\'e}`, specials escaped, acronyms braced so styles keep their capitals); `$...$`
math is kept as math.
"""

from __future__ import annotations

import re
import unicodedata

from ..names import slugify
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
_TYPES = {"conference": "inproceedings", "workshop": "inproceedings", "journal": "article",
          "preprint": "misc", "thesis": "phdthesis", "book": "book", "chapter": "incollection",
          "report": "techreport", "other": "misc"}
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


def latex_encode(text: str, protect_caps: bool = False) -> str:
    """UTF-8 text → BibTeX-safe LaTeX; math segments kept as written."""
    out = []
    for i, part in enumerate(_MATH.split(text)):
        if i % 2:
            out.append(part)
        else:
            out.append(_encode_text(part, protect_caps))
    return "".join(out)


def _encode_text(text: str, protect_caps: bool) -> str:
    text = " ".join(text.split())
    out = []
    for ch in unicodedata.normalize("NFD", text):
        if ch in _ACCENTS and out:
            base = out.pop()
            base = r"\i" if base == "i" else base
            out.append(f"{{\\{_ACCENTS[ch]}{{{base}}}}}" if _ACCENTS[ch].isalpha()
                       else f"{{\\{_ACCENTS[ch]}{base}}}")
        elif ch in _SPECIAL:
            out.append(_SPECIAL[ch])
        elif ch in _LETTERS:
            out.append(_LETTERS[ch])
        else:
            out.append(ch)
    encoded = unicodedata.normalize("NFC", "".join(out))
    if protect_caps:
        # Words with a capital after the first letter (CNN, InstructPix2Pix) keep their case.
        encoded = re.sub(r"(?<![\\{\w])([A-Za-z0-9-]*[A-Z][A-Za-z0-9-]*[A-Z0-9][A-Za-z0-9-]*|"
                         r"[a-z][A-Za-z0-9-]*[A-Z][A-Za-z0-9-]*)",
                         r"{\1}", encoded)
    return encoded


_key_memo: tuple[object, dict[str, str]] | None = None


def citation_keys(catalog) -> dict[str, str]:
    """Every paper's citation key; unique, stable, ASCII."""
    global _key_memo
    if _key_memo is not None and _key_memo[0] is catalog:
        return _key_memo[1]
    wanted: dict[str, list[str]] = {}
    for entry in sorted(catalog.entries, key=lambda e: e.id):
        p = entry.paper
        family = split_name(entry.bylines[0].name)[2] if entry.bylines else ""
        family = re.sub(r"[^a-z]", "", slugify(family, "anon")) or "anon"
        words = [w for w in re.findall(r"[a-z0-9]+", slugify(p.title, "paper").replace("-", " "))
                 if w not in {"a", "an", "the", "on", "of", "for", "in", "to", "and", "with"}]
        base = f"{family}{p.year or ''}{words[0] if words else ''}"
        wanted.setdefault(base, []).append(p.id)
    keys = {}
    for base, ids in wanted.items():
        for i, pid in enumerate(ids):
            keys[pid] = base if len(ids) == 1 else f"{base}{_suffix(i)}"
    _key_memo = (catalog, keys)
    return keys


def _suffix(i: int) -> str:
    letters = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        letters = chr(97 + r) + letters
    return letters


def paper_bibtex(entry, catalog, router=None) -> str:
    """The BibTeX entry of a paper; a paper's own `bibtex` field replaces it."""
    p = entry.paper
    if p.bibtex:
        return p.bibtex.strip() + "\n"
    key = citation_keys(catalog)[p.id]
    kind = _TYPES.get(entry.type, "misc")
    fields: list[tuple[str, str]] = [("title", "{" + latex_encode(p.title, True) + "}")]
    if entry.bylines:
        names = [latex_encode(_bib_name(b.name)) for b in entry.bylines]
        if p.et_al:
            names.append("others")
        fields.append(("author", " and ".join(names)))
    series = catalog.series.get(entry.venue) if entry.venue else None
    if series is not None and entry.type != "preprint":
        container = "journal" if kind == "article" else (
            "booktitle" if kind in ("inproceedings", "incollection") else "howpublished")
        fields.append((container, latex_encode(series.name)))
    elif series is not None:
        fields.append(("howpublished", latex_encode(series.name)))
    if p.track:
        fields.append(("note", latex_encode(p.track)))
    if p.year is not None:
        fields.append(("year", str(p.year)))
    if p.date is not None:
        fields.append(("month", _MONTHS[p.date.month - 1]))
    if p.doi:
        fields.append(("doi", p.doi))
    if p.arxiv:
        fields += [("eprint", p.arxiv), ("archiveprefix", "arXiv")]
        if p.category:
            fields.append(("primaryclass", p.category))
    url = p.links.get("pdf") or p.links.get("paper")
    if url and url.startswith("http"):
        fields.append(("url", url))
    lines = [f"@{kind}{{{key},"]
    for name, value in fields:
        if name == "month":
            lines.append(f"  {name} = {value},")
        else:
            lines.append(f"  {name} = {{{value}}},")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _bib_name(name: str) -> str:
    given, particle, family = split_name(name)
    if not given:
        return "{" + family + "}" if " " in family else family
    last = f"{particle} {family}".strip()
    return f"{last}, {given}"


def collection_bibtex(entries, catalog) -> str:
    """Several entries in one .bib file, in the order given."""
    return "\n".join(paper_bibtex(e, catalog) for e in entries)
