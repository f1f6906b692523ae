"""LaTeX → Unicode text: what `import bibtex` stores of a title, a name or an abstract,
and what the check for stale `bibtex:` entries compares a paper's own entry by.

pylatexenc does the decoding (with bibtexparser's table and the TeX logos), but takes
about 0.2 ms a value, a quarter of it rebuilding its table of macros for every value,
and a long abstract takes milliseconds. Most values (plain text, {Acronyms}, 3\\%, page
ranges, abstracts with $k$-shot) are decoded here without it, as it would decode them,
and the others share one table. An import of 20,000 entries spent most of its time in
pylatexenc before.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# What LaTeX gives a meaning to in text: a special character, a ligature (-- `` '' !` ?`),
# or white space other than single spaces. A value without any comes out of the decoder
# exactly as it went in.
_LATEX = re.compile(r"[\\{}$~%&#^_]|--|``|''|[!?]`|\s\s|[^\S ]")
# The rest that decoded_without_pylatexenc decodes itself, as the decoder would: groups
# in braces (dropped), the escapes \% \& \_ \# \$, dashes (-- and ---), and inline math
# ($...$ with no % and no $ beside it, kept as written). Anything else goes to the decoder.
_NOT_PLAIN = re.compile(r"``|''|[!?]`|\s\s|[^\S ]|\\(?![%&_#$])|(?<!\\)[$~^%&#_]")
# (% would comment; an accent such as \. takes what follows as its argument, even a $)
_MATH = re.compile(r"(?<![\\$])\$(?!\$)((?:[^$\\%]|\\[^$.'\"^~=`])*)(?<!\\)\$(?!\$)")
_PIECES = re.compile(r"([{}]|\\[%&_#$])")


def decoded_without_pylatexenc(value: str) -> str | None:
    """What the LaTeX decoder makes of value, when that is plain enough to say without
    it; None otherwise. A property test checks it against pylatexenc."""
    if not _LATEX.search(value):
        return value
    out, at = [], 0
    for math in _MATH.finditer(value):
        text = _plain_text(value[at:math.start()])
        if text is None or not balanced(math[1]):
            return None
        out += [text, math[0]]
        at = math.end()
    text = _plain_text(value[at:])
    return None if text is None else "".join(out) + text


def _plain_text(text: str) -> str | None:
    if _NOT_PLAIN.search(text) or not balanced(text):
        return None
    out = []
    for piece in _PIECES.split(text):   # a brace or an escape ends a dash
        if piece in ("{", "}"):
            continue
        out.append(piece[1] if piece[:1] == "\\" else
                   piece.replace("---", "\u2014").replace("--", "\u2013"))
    return "".join(out)


def balanced(text: str) -> bool:
    """Whether text's braces pair up, counted as BibTeX counts them (a backslash escapes
    none)."""
    depth = 0
    for ch in text:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


@functools.cache
def _walker_context():
    """pylatexenc's parsing table, which its walker otherwise builds for every value,
    with the arguments of the macros it lacks that _TEXT_MACROS reads."""
    from pylatexenc import latexwalker, macrospec
    table = latexwalker.get_default_latex_context_db()
    table.add_context_category("papersite", prepend=True, macros=[
        macrospec.MacroSpec("href", "{{"), macrospec.MacroSpec("noopsort", "{")])
    return table


# Text macros pylatexenc's table lacks and turns into nothing: "A {\\LaTeX} Guide" would
# be imported as "A Guide". The TeX family's logos as their names are spelled in text.
_TEXT_MACROS = {"TeX": "TeX", "LaTeX": "LaTeX", "LaTeXe": "LaTeX2ε", "BibTeX": "BibTeX",
                "XeTeX": "XeTeX", "XeLaTeX": "XeLaTeX", "LuaTeX": "LuaTeX",
                "LuaLaTeX": "LuaLaTeX", "ConTeXt": "ConTeXt", "AmS": "AMS",
                "AmSTeX": "AMS-TeX", "MF": "METAFONT", "MP": "METAPOST", "copyright": "©",
                "P": "¶", "S": "§", "pounds": "£", "euro": "€", "textbar": "|",
                "textless": "<", "textgreater": ">", "textasciicircum": "^",
                # Font and box commands whose text pylatexenc drops with them:
                # "\\texttt{TextAttack}: A Framework" would be imported as ": A Framework".
                "texttt": "%s", "textsf": "%s", "textup": "%s", "textmd": "%s",
                "mbox": "%s", "href": "%(2)s",
                # NASA ADS writes journals as AAS macros (journal = {\\apj}).
                "aj": "AJ", "apj": "ApJ", "apjl": "ApJL", "apjs": "ApJS", "mnras": "MNRAS",
                "aap": "A&A", "aaps": "A&AS", "pasp": "PASP", "pasj": "PASJ", "araa": "ARA&A",
                "nat": "Nature", "icarus": "Icarus", "solphys": "Sol. Phys.",
                "apss": "Ap&SS", "jcap": "JCAP", "physrep": "Phys. Rep.", "prd": "Phys. Rev. D",
                "prl": "Phys. Rev. Lett.", "procspie": "Proc. SPIE", "na": "New A",
                "nar": "New A Rev.", "memras": "MmRAS", "qjras": "QJRAS", "skytel": "S&T",
                "ssr": "Space Sci. Rev.", "planss": "Planet. Space Sci.", "baas": "BAAS"}
# A BibTeX sorting trick, defined in the document: {\\noopsort{Vries}}de Vries.
_DISCARDED_MACROS = ("noopsort",)


# An accent on nothing is the character itself: x\^{}2 is "x^2" (Zotero writes a
# caret so), where pylatexenc gives "x2".
# Inline math ($a\^{}b$ is the math's business) and other escapes (\\^{}, and \$,
# which opens no math) are matched whole, and left as they are.
_BARE_ACCENT = re.compile(r"\$[^$]*\$|\\([\^~])\{\}|\\.", re.DOTALL)
_ACCENT_CHARACTERS = {"^": r"\textasciicircum{}", "~": r"\textasciitilde{}"}


def _bare_accent(m: re.Match) -> str:
    return _ACCENT_CHARACTERS[m.group(1)] if m.group(1) else m.group()


def to_text(value: str) -> tuple[str, str]:
    """value, LaTeX, as Unicode text, and pylatexenc's complaint ("" when none): on a
    complaint, value comes back as it is, as bibtexparser's own decoder gives it."""
    if "{}" in value:
        value = _BARE_ACCENT.sub(_bare_accent, value)
    plain = decoded_without_pylatexenc(value)
    if plain is not None:
        return plain, ""
    try:
        return text_decoder().latex_to_text(value, latex_context=_walker_context()), ""
    except Exception as exc:
        return value, str(exc)


@functools.cache
def text_decoder(math_mode: str = "verbatim"):
    """bibtexparser's decoder (math kept as written, URLs bare), with _TEXT_MACROS; with
    math_mode "text", math is decoded too."""
    from pylatexenc.latex2text import LatexNodes2Text
    return LatexNodes2Text(latex_context=_text_table(math_mode == "text"),
                           math_mode=math_mode)


@functools.cache
def _text_table(math: bool):
    from pylatexenc.latex2text import MacroTextSpec, get_default_latex_context_db
    table = get_default_latex_context_db()
    table.add_context_category("papersite", prepend=True, macros=[
        MacroTextSpec("url", simplify_repl="%s"),
        *(MacroTextSpec(name, simplify_repl=text) for name, text in _TEXT_MACROS.items()),
        *(MacroTextSpec(name, discard=True) for name in _DISCARDED_MACROS),
        # (a norm's bars, p \| q: the table has \Vert but not its short form)
        *([MacroTextSpec("|", simplify_repl="\u2016")] if math else [])])
    return table


@functools.lru_cache(maxsize=4096)
def math_to_text(formula: str) -> str:
    """A formula as written ($...$ or $$...$$) as Unicode text, for what cannot show
    MathML: $\\alpha$-divergence reads "α-divergence", $\\mathcal{O}(n \\log n)$ "𝒪(n log n)",
    $x^2$ stays "x^2". A formula the decoder cannot read stays as written."""
    text = simple_math_text(formula)
    if text is not None:
        return text
    try:
        text = text_decoder("text").latex_to_text(formula, latex_context=_walker_context())
    except Exception:
        return formula
    return " ".join(text.split()) or formula


def simple_math_text(formula: str) -> str | None:
    """math_to_text of a formula of letters, operators, scripts, braces and symbols ($k$,
    $\\alpha_i$, $O(n^2)$, $a \\leq b$: most of those in abstracts), read here as
    pylatexenc reads it (which takes about 1 ms a formula); None for any other."""
    body = formula.strip("$")
    if not _SIMPLE_MATH.fullmatch(body) or _LIGATURE.search(body):
        return None
    names = _COMMAND.findall(body)
    symbols = {name: _symbol(name) for name in names}
    if None in symbols.values():
        return None
    text = _COMMAND.sub(lambda m: symbols[m[1]], body) if names else body
    return " ".join(text.replace("{", "").replace("}", "").split()) or formula


_COMMAND = re.compile(r"\\([A-Za-z]+)")
# No escapes (\{, \,), alignment, comments or ties: only these pieces (and a command
# not followed by another letter, which pylatexenc reads as part of its name: \alphaα).
_LIGATURE = re.compile(r"``|''|--|[!?]`")   # “ ” – ¡ ¿, which pylatexenc makes of them
_SIMPLE_MATH = re.compile(r"(?:[^\\$&%~#]|\\[A-Za-z]+(?![^\W\d_]))*")


@functools.lru_cache(maxsize=1024)
def _symbol(name: str) -> str | None:
    """What \\name stands for when it is a symbol without arguments (α, ≤, log)."""
    spec = _walker_context().get_macro_spec(name)
    if getattr(getattr(spec, "args_parser", None), "argspec", None):
        return None
    text = getattr(_text_table(True).get_macro_spec(name), "simplify_repl", None)
    return text if isinstance(text, str) and "%" not in text else None


def spelled_letters(formula: str) -> list[str]:
    """The names of the letters a formula writes as commands ($\\alpha + \\ell$: alpha,
    ell), which its text (math_to_text) shows as the letters themselves."""
    table = _text_table(True)
    return [name for name in dict.fromkeys(_COMMAND.findall(formula))
            if _is_letter(getattr(table.get_macro_spec(name), "simplify_repl", None))]


def _is_letter(text) -> bool:
    return isinstance(text, str) and len(text) == 1 and unicodedata.category(text)[0] == "L"
