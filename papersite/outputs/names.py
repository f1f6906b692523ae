"""Splitting a printed name into given, particle, family and suffix, for BibTeX and CSL."""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from ..names import written_unspaced

PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "da", "di", "la", "le", "du",
             "dos", "das", "ter", "ten", "bin", "al", "el", "y"}
SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "v"}
# The last word of a group's name rather than a person's: "ATLAS Collaboration" is
# cited as it stands, not as "Collaboration, ATLAS".
GROUP_WORDS = {"collaboration", "consortium", "team", "group", "project", "initiative",
               "committee", "association", "society", "institute", "laboratory", "lab",
               "labs", "network", "alliance", "council", "foundation", "inc", "ltd", "llc",
               "corporation", "corp", "company", "organization", "organisation",
               "community", "contributors", "developers", "authors", "taskforce", "research",
               "university", "center", "centre"}


class NameParts(NamedTuple):
    given: str
    particle: str
    family: str
    suffix: str = ""


@lru_cache(maxsize=65536)   # a name is split for each of its papers' BibTeX and CSL entries
def split_name(name: str) -> NameParts:
    """'Ludwig van der Berg' → ('Ludwig', 'van der', 'Berg', ''); 'Oscar De La Hoya' →
    ('Oscar', '', 'De La Hoya', ''): a particle written with a capital is part of the
    family name, sorted and shown with it (as citeproc-js and BibTeX read it).

    'Last, First' and 'Last, Jr., First' are understood too, as is a trailing 'Jr.' or
    'III'; a single word is a family name, and so is a group's whole name ('ATLAS
    Collaboration', 'The Qwen Team', 'Johnson & Johnson', 'Barnes and Noble'); in Han,
    kana or Hangul the family name comes first ('山田 太郎'), and a name without a space
    ('李华') is one family name.
    """
    suffix = ""
    words = name.split()
    if len(words) > 1 and (words[-1].strip(".,").casefold() in GROUP_WORDS
                           or any(w == "&" or w.casefold() == "and" for w in words[1:-1])):
        return NameParts("", "", " ".join(words), "")
    if len(words) > 1 and all(map(written_unspaced, words)):   # 山田 太郎: family first
        return NameParts(" ".join(words[1:]), "", words[0], "")
    if "," in name:
        parts = [p.strip() for p in name.split(",")]
        if len(parts) >= 3:
            family_part, suffix, given = parts[0], parts[1], ", ".join(parts[2:])
        elif parts[1].lower() in SUFFIXES:   # 'Martin Luther King, Jr.'
            return split_name(parts[0])._replace(suffix=parts[1])
        else:
            family_part, given = parts
        words = family_part.split()
    else:
        words = name.split()
        if len(words) > 2 and words[-1].lower() in SUFFIXES:
            suffix = words.pop()
        if len(words) <= 1:
            return NameParts("", "", " ".join(words), suffix)
        i = len(words) - 1
        while i > 1 and words[i - 1].lower() in PARTICLES:
            i -= 1
        given, words = " ".join(words[:i]), words[i:]
    j = 0   # the particle: lower-case words only, as BibTeX's von part; a capital (Di
    # Caprio, De La Hoya, Della Porta, the La of de La Fontaine) is the family name's own
    while j < len(words) - 1 and words[j] in PARTICLES:
        j += 1
    return NameParts(given.strip(), " ".join(words[:j]), " ".join(words[j:]), suffix)
