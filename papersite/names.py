"""Names and slugs: how a printed name is compared, and how any text becomes a URL part.

Comparison folds case, accents, spacing and punctuation, so "José  Müller" and
"jose muller" are one name. Slugs are ASCII, lowercase, and never empty or reserved;
`unique_slugs` gives every distinct key its own slug without depending on input order.
"""

from __future__ import annotations

import hashlib
import inspect
import re
import unicodedata
from functools import lru_cache

from slugify import slugify as _slugify

from .model import RESERVED_IDS

_PUNCT = re.compile(r"[\W_]+", re.UNICODE)
# Transliterate with text-unidecode, python-slugify's own dependency, always: slugs (URLs)
# must not change with whether the optional `unidecode` package happens to be installed.
# (python-slugify 9.2's "auto" also retried importing `unidecode` on every non-ASCII
# call: a failed import scans sys.path, about 60 µs per author name.) Older releases
# take no `backend` and always use text-unidecode.
_SLUG_OPTIONS = {"max_length": 80, "word_boundary": True, "lowercase": True}
if "backend" in inspect.signature(_slugify).parameters:
    _SLUG_OPTIONS["backend"] = "text-unidecode"


@lru_cache(maxsize=None)
def normalise(name: str) -> str:
    """The comparison key of a name: 'Zoë  O’Neil' → 'zoe o neil', and '山田 太郎' →
    '山田太郎' (a space between Han, kana or Hangul is optional)."""
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    key = " ".join(_PUNCT.sub(" ", stripped.casefold()).split())
    return key if key.isascii() else _UNSPACED_GAP.sub("", key)


def short_hash(text: str, length: int = 6) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()[:length]


@lru_cache(maxsize=None)
def slugify(text: str, fallback: str = "item") -> str:
    """An ASCII slug; text with no ASCII transliteration gets a hash-based slug."""
    slug = _slugify(text, **_SLUG_OPTIONS)
    if not slug:
        slug = f"{fallback}-{short_hash(text)}"
    if slug.split(".")[0] in RESERVED_IDS:
        slug = f"{slug}-{fallback}"
    return slug


_LEADING_WORDS = re.compile(r"\s*(?:\S+\s+){5}\S+")   # six whole words
# Text python-slugify only lowercases and cuts at what is not a letter or digit: ASCII
# letters, digits, spaces and punctuation but & (entities), ' (dropped) and , (kept
# inside a number).
_PLAIN_ASCII = re.compile(r"[A-Za-z0-9 !\"#$%()*+\-./:;<=>?@\[\\\]^_`{|}~]*")
_ALNUM = re.compile(r"[a-z0-9]+")


def leading_slug_words(text: str) -> list[str]:
    """Words that `slugify(text)` begins with, made from the text's first six words.

    A citation key needs its title's first word that is not a stop word, and
    python-slugify takes about 10 µs a title (1 s of a 100,000-paper build). The slug of
    the start of a text begins with the whole text's words but for its own last word
    (the cut may fall inside an entity, a number or a word's accents), as long as it is
    short enough not to be truncated: so that word is left out, and a text of fewer
    than six words, or with a long start, gives none. Not cached: each title is
    slugified once, and a cache would keep 100,000 of them."""
    start = _LEADING_WORDS.match(text)
    if start is None:
        return []
    cut = start.group()
    if _PLAIN_ASCII.fullmatch(cut):   # most titles: nothing for python-slugify to do but
        slug = "-".join(_ALNUM.findall(cut.lower()))   # cut at everything else
    else:
        slug = _slugify(cut, **_SLUG_OPTIONS)
    if len(slug) >= _SLUG_OPTIONS["max_length"]:
        return []
    return slug.split("-")[:-1]


def unique_slugs(keys: dict[str, str], taken: set[str] = frozenset()) -> dict[str, str]:
    """Map each key to a slug made from its text, distinct from each other and `taken`.

    `keys` maps a stable key (e.g. a normalised name) to the text to slugify. When two
    keys want the same slug, each gets a short hash of its own key as a suffix, so the
    result does not depend on which one was seen first.
    """
    wanted: dict[str, list[str]] = {}
    for key, text in keys.items():
        wanted.setdefault(slugify(text), []).append(key)
    out: dict[str, str] = {}
    for slug, owners in wanted.items():
        if len(owners) == 1 and slug not in taken:
            out[owners[0]] = slug
        else:
            for key in owners:
                out[key] = f"{slug}-{short_hash(key)}"
    return out


# Scripts that write a person's name without a space between family and given name:
# Han, kana, Hangul. "李华" is a whole name, family name first.
_UNSPACED_NAME = re.compile(
    "[\u1100-\u11ff\u3005\u3006\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f]+")
_UNSPACED_CHAR = _UNSPACED_NAME.pattern[:-1]   # one character of those scripts
_UNSPACED_GAP = re.compile(f"(?<={_UNSPACED_CHAR}) (?={_UNSPACED_CHAR})")


def written_unspaced(text: str) -> bool:
    """Whether text is written in a script that puts no space inside a name ('李华')."""
    return _UNSPACED_NAME.fullmatch(text) is not None


def person_name(given: str, family: str) -> str:
    """A name as it is printed: 'Jan van der Berg', and '李华' (family name first, no
    space) when both parts are written in such a script."""
    if written_unspaced(given) and written_unspaced(family):
        return family + given
    return f"{given} {family}"


def is_single_word(name: str) -> bool:
    """A surname alone ('Jin' in 'Jin et al.') cannot tell people apart; '李华' is a whole
    name, a surname alone in those scripts being one character ('李')."""
    words = normalise(name).split()   # (Hangul syllables decomposed: 김 is three jamo)
    return len(words) < 2 and not (words and written_unspaced(words[0]) and
                                   len(unicodedata.normalize("NFC", words[0])) > 1)
