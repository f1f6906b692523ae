"""Splitting a printed name into given, particle and family parts, for BibTeX and CSL."""

from __future__ import annotations

PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "da", "di", "la", "le", "du",
             "dos", "das", "ter", "ten", "bin", "al", "el", "y"}


def split_name(name: str) -> tuple[str, str, str]:
    """(given, particle, family): 'Ludwig van der Berg' → ('Ludwig', 'van der', 'Berg').

    'Last, First' is understood too; a single word is a family name.
    """
    if "," in name:
        family, _, given = name.partition(",")
        words = family.split()
    else:
        words = name.split()
        if len(words) <= 1:
            return "", "", name.strip()
        i = len(words) - 1
        while i > 1 and words[i - 1].lower() in PARTICLES:
            i -= 1
        given, words = " ".join(words[:i]), words[i:]
    j = 0
    while j < len(words) - 1 and words[j].lower() in PARTICLES:
        j += 1
    return given.strip(), " ".join(words[:j]), " ".join(words[j:])
