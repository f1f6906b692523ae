#!/usr/bin/env python3
"""Generate a deterministic synthetic Papersite corpus (and optionally the same
corpus as a Hugo site) for benchmarking.

Usage:
    python bench/make_corpus.py N DIR [--hugo HUGODIR] [--seed S] [--force]

DIR becomes a Papersite site folder (DESIGN.md sections 1-2):

    DIR/site.yaml                 title, description, base_url, language: en, paginate: 50
    DIR/content/venues.yaml       30 venue series {id, short, name, type: conference}
    DIR/content/tags.yaml         {tag: {description}} for all 200 tags
    DIR/content/papers/p000001.yaml ... one paper (a mapping) per file, all in one folder

Each paper has exactly these schema fields, in this order: id (= the file stem), title
(6-12 title-cased pseudo-words), authors (3-8 distinct name strings), year
(2015-2024, uniform), date (an ISO date inside that year), venue (a venue id, one of
30), tags (1-4 distinct tags out of 200), abstract (exactly 1,200 characters of
pseudo-word sentences) and, for about half of the papers, citations (a heavy-tailed
int >= 0).  No doi, arxiv, links or other optional fields.  Ids are zero-padded to
max(6, len(str(N))) digits.

Choices worth knowing when reading benchmark numbers:

* Author pool.  pool = min(5000 * max(1, N // 10000), 50000) distinct names: 5,000
  names for N < 20,000, growing by 5,000 per 10,000 papers, capped at 50,000 (so
  100,000 papers use 50,000 names).  Names are drawn with Zipf-Mandelbrot weights
  1 / (rank + 10), so a few authors are prolific (at N = 10,000 the busiest author
  has about 750 papers, at N = 100,000 about 5,900) and most names appear in only a
  handful of papers (small N leaves much of the pool unused: N = 200 uses about 650
  names).
* Names come from fixed first-name and surname lists plus an optional middle initial.
  They are mostly ASCII but include accented, hyphenated and apostrophe names
  ("José", "Zoë", "Müller", "Łukasz", "O'Brien", "Jean-Luc").  Both "José" and
  "Jose", "Zoë" and "Zoe", "Müller" and "Muller" are in the lists, so distinct
  names whose slugs collide occur on purpose (exercising the hash-suffix rule).
  No single-word names.
* Tags: 20 modifiers x 10 heads ("robust segmentation"); mild Zipf weights.
* Text: a fixed vocabulary of 5,000 pseudo-words (built from syllables with a fixed
  seed, independent of --seed), drawn with Zipf weights so word frequencies look like
  natural language; lowercase ASCII letters only, so no markdown or math syntax.
* Years are uniform over 2015-2024, venues uniform over the 30 series, 3-8 authors and
  1-4 tags uniform in count; citations (on ~50% of papers) follow a Pareto tail.
* YAML is hand-formatted; every string is quoted as a JSON string (non-ASCII kept),
  which is a valid YAML double-quoted scalar; dates are plain YAML dates.

Hugo site (--hugo HUGODIR): the same papers as content/papers/p000001.md (YAML front
matter: title, date, authors, venues, tags as taxonomy lists; the abstract as the
body), hugo.toml (taxonomies author/venue/tag; RSS, sitemap and robots.txt disabled;
no pagination) and minimal layouts: _default/single.html (title, authors linked to
their term pages, venue, tags, abstract), list.html (title + authors of every page),
terms.html, taxonomy.html (a term's papers) and index.html (the 50 newest papers).
The Hugo venue term is the venue's short name.  single.html finds term pages with
site.GetPage on the urlized name rather than .GetTerms, which in Hugo 0.111 costs
O(terms) per call (about 3x slower overall at N = 10,000); the links are identical.
Hugo has no venue-edition or year pages, so it renders fewer pages than Papersite.

Determinism: the output depends only on N and --seed (default 1); two runs give
byte-identical trees (same Python version; random's non-core methods are not promised
to be stable across Python releases).  Standard library only; every file it writes
loads with PyYAML's safe loader.
"""

from __future__ import annotations

import argparse
import array
import collections
import concurrent.futures
import datetime as _dt
import itertools
import json
import json.encoder
import os
import random
import shutil
import sys
import time

YEARS = range(2015, 2025)
TEXT_LEN = 1200

FIRST_NAMES = [
    "Aaron", "Adriana", "Ahmed", "Aisha", "Alejandro", "Alice", "Amara", "Ana", "André",
    "Andrea", "Anna", "Antoine", "Arjun", "Åsa", "Beatriz", "Benjamin", "Björn",
    "Camille", "Carlos", "Carmen", "Chen", "Chloé", "Chloe", "Daniel", "David", "Diego",
    "Dmitri", "Elena", "Élodie", "Emma", "Erik", "Fatima", "Felipe", "François",
    "Francois", "Gabriel", "Giulia", "Hana", "Hannah", "Hiroshi", "Inès", "Ines",
    "Ingrid", "Isabel", "Ivan", "Jakob", "James", "Jean-Luc", "Jiayi", "Joana", "José",
    "Jose", "Julia", "Jürgen", "Jurgen", "Kai", "Karin", "Kenji", "Laura", "Lea", "Léa",
    "Liam", "Lucas", "Łukasz", "Lukasz", "Maria", "María", "Marie-Claire", "Mark",
    "Mateo", "Mei", "Michael", "Mohammed", "Nadia", "Nikolai", "Noah", "Noémie", "Olga",
    "Oliver", "Omar", "Pablo", "Paula", "Pedro", "Priya", "Rafael", "Rahul", "Renée",
    "Rosa", "Sakura", "Samuel", "Sara", "Sofia", "Søren", "Soren", "Stefan", "Tomás",
    "Thomas", "Valentina", "Wei", "Xin", "Yuki", "Yusuf", "Zoë", "Zoe",
]

SURNAMES = [
    "Abe", "Adeyemi", "Ahmadi", "Alvarez", "Andersen", "Bauer", "Becker", "Bernard",
    "Bianchi", "Brown", "Byrne", "Castro", "Chen", "Cohen", "Costa", "Da Silva",
    "Dąbrowski", "Dubois", "Dupont", "Eriksson", "Fernández", "Fernandez", "Fischer",
    "Fontaine", "García", "Garcia", "Gómez", "Gomez", "González", "Gupta", "Haddad",
    "Hansen", "Hoffmann", "Horváth", "Huang", "Ibrahim", "Ivanova", "Jansen", "Jensen",
    "Johansson", "Jones", "Kim", "Klein", "Kowalski", "Kumar", "Larsen", "Laurent",
    "Lee", "Lefèvre", "Li", "Lindqvist", "Liu", "López", "Lopez", "MacDonald",
    "Martin", "Martínez", "Meyer", "Moreau", "Müller", "Muller", "Mueller", "Murphy",
    "Nagy", "Nakamura", "Nguyen", "Nielsen", "Novák", "Núñez", "Nunez", "O'Brien",
    "O'Connor", "Okafor", "Olsen", "Park", "Patel", "Pereira", "Petrov", "Popescu",
    "Quinn", "Ramírez", "Rossi", "Russo", "Sánchez", "Sato", "Schmidt", "Schneider",
    "Schäfer", "Schafer", "Shah", "Silva", "Singh", "Smith", "Smith-Jones", "Sørensen",
    "Sorensen", "Suzuki", "Svensson", "Tanaka", "Taylor", "Thompson", "Tran", "Van Dijk",
    "van der Berg", "Vargas", "Wagner", "Wang", "Weber", "Wilson", "Wójcik", "Wong",
    "Wu", "Xu", "Yamamoto", "Yang", "Yilmaz", "Zhang", "Zhao", "Zhou", "Żukowski",
]

TAG_MODIFIERS = [
    "robust", "efficient", "federated", "self-supervised", "generative", "causal",
    "differentiable", "sparse", "multimodal", "bayesian", "contrastive", "few-shot",
    "continual", "interpretable", "adversarial", "graph", "probabilistic", "scalable",
    "neural", "3D",
]
TAG_HEADS = [
    "segmentation", "retrieval", "reasoning", "optimization", "representation learning",
    "rendering", "planning", "compression", "detection", "language models",
]

VENUE_TOPICS = [
    "Visual Computing", "Machine Learning", "Data Mining", "Natural Language Processing",
    "Robotics and Automation", "Computer Graphics", "Information Retrieval",
    "Artificial Intelligence", "Computational Linguistics", "Pattern Recognition",
    "Learning Representations", "Knowledge Discovery", "Speech Processing",
    "Distributed Systems", "Database Systems", "Human Factors in Computing",
    "Software Engineering", "Programming Languages", "Computer Security",
    "Operating Systems", "Networked Systems", "Theory of Computing",
    "Computational Biology", "Autonomous Agents", "Uncertainty in AI",
    "Web Search and Mining", "Multimedia Computing", "Medical Image Analysis",
    "Embodied Intelligence", "Scientific Computing",
]
VENUE_PREFIXES = ["International Conference on", "Annual Symposium on",
                  "European Conference on", "Conference on"]

SYLLABLES = [
    "a", "al", "an", "ar", "ba", "be", "bi", "ca", "ce", "co", "cor", "da", "de", "di",
    "do", "e", "el", "en", "er", "es", "fa", "fi", "fo", "ga", "ge", "gi", "ha", "he",
    "i", "in", "io", "is", "ka", "ki", "la", "le", "li", "lo", "lu", "ma", "me", "mi",
    "mo", "mu", "na", "ne", "ni", "no", "o", "om", "on", "or", "pa", "pe", "pi", "po",
    "pra", "pro", "ra", "re", "ri", "ro", "sa", "se", "si", "so", "sta", "stra", "ta",
    "te", "ti", "to", "tra", "tri", "u", "um", "un", "va", "ve", "vi", "vo", "xa", "za",
    "zo",
]
VOCAB_SIZE = 5000
MAX_WORD = 16  # longest drawn word; filler words exist for every length 1..MAX_WORD + 1


def build_vocabulary() -> tuple[list[str], dict[int, list[str]]]:
    """A fixed pseudo-word vocabulary (independent of --seed), most frequent first."""
    rng = random.Random("papersite-bench-vocabulary-v1")
    seen: set[str] = set()
    vocab: list[str] = []
    while len(vocab) < VOCAB_SIZE:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((1, 2, 2, 3, 3, 3, 4, 4, 5))))
        if len(word) <= MAX_WORD and word not in seen:
            seen.add(word)
            vocab.append(word)
    by_len: dict[int, list[str]] = {}
    for word in vocab:
        by_len.setdefault(len(word), []).append(word)
    for n in range(1, MAX_WORD + 2):  # fill any missing length bucket (final-word filler)
        while len(by_len.get(n, ())) < 3:
            word = "".join(rng.choice(SYLLABLES) for _ in range(n))[:n]
            if len(word) == n and word not in seen:
                seen.add(word)
                by_len.setdefault(n, []).append(word)
    return vocab, by_len


def zipf_cum_weights(n: int, s: float = 1.0, q: float = 0.0) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank + q) ** s for rank in range(1, n + 1)))


def author_pool_size(n_papers: int) -> int:
    return min(5000 * max(1, n_papers // 10000), 50000)


def build_author_pool(size: int, seed: int) -> list[str]:
    """`size` distinct names in popularity order (rank 1 first)."""
    rng = random.Random(f"papersite-bench-names:{seed}")
    seen: set[str] = set()
    pool: list[str] = []
    initials = "ABCDEFGHJKLMNPRSTVW"
    while len(pool) < size:
        first = rng.choice(FIRST_NAMES)
        last = rng.choice(SURNAMES)
        if rng.random() < 0.3:
            name = f"{first} {rng.choice(initials)}. {last}"
        else:
            name = f"{first} {last}"
        if name not in seen:
            seen.add(name)
            pool.append(name)
    return pool


def build_venues() -> list[dict]:
    venues = []
    used: set[str] = set()
    for i, topic in enumerate(VENUE_TOPICS):
        words = [w for w in topic.split() if w[0].isupper()]
        short = "".join(w[0] for w in words)
        prefix = VENUE_PREFIXES[i % len(VENUE_PREFIXES)]
        short = ("IC" if prefix.startswith("International") else "EC" if prefix.startswith("European") else "S" if "Symposium" in prefix else "C") + short
        base, k = short, 2
        while short in used:
            short = f"{base}{k}"
            k += 1
        used.add(short)
        venues.append({"id": short.lower(), "short": short, "name": f"{prefix} {topic}",
                       "type": "conference"})
    return venues


def build_tags() -> list[str]:
    return [f"{m} {h}" for m in TAG_MODIFIERS for h in TAG_HEADS]


TABLE_BITS = 16


def quantized_table(items: list, weights: list[float], size: int = 1 << TABLE_BITS) -> list:
    """A list of exactly `size` entries in which each item appears about
    size * weight / total times (at least once), so that uniform 16-bit indexes
    sample the weighted distribution with no per-draw bisect."""
    total = sum(weights)
    exact = [size * w / total for w in weights]
    counts = [max(1, int(x)) for x in exact]
    order = sorted(range(len(items)), key=lambda i: (counts[i] - exact[i], i))
    j = 0
    while sum(counts) < size:  # largest remainders first
        counts[order[j % len(order)]] += 1
        j += 1
    while sum(counts) > size:  # only when many items were rounded up to 1
        i = max(range(len(items)), key=lambda i: (counts[i] - exact[i], -i))
        counts[i] -= 1
    table: list = []
    for item, c in zip(items, counts):
        table.extend([item] * c)
    assert len(table) == size
    return table


class TextGen:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.vocab, self.by_len = build_vocabulary()
        self.table = quantized_table(self.vocab, [1.0 / (r + 2.0) for r in range(1, len(self.vocab) + 1)])

    def draw(self, k: int) -> list[str]:
        """k words with Zipf frequencies: 16 random bits per word index the table
        (far faster than random.choices; same bytes on every platform)."""
        idx = array.array("H", self.rng.randbytes(2 * k))
        if sys.byteorder == "big":
            idx.byteswap()
        table = self.table
        return [table[i] for i in idx]

    def title(self) -> str:
        return " ".join(w.capitalize() for w in self.draw(self.rng.randint(6, 12)))

    def abstract(self) -> str:
        """Sentences of 8-20 pseudo-words, exactly TEXT_LEN characters, ending with '.'."""
        rng = self.rng
        words = self.draw(180)
        pos = 0
        sentences: list[str] = []
        length = -1  # length of " ".join(sentences)
        while True:
            k = rng.randint(8, 20)
            if pos + k > len(words):
                words += self.draw(40)
            sent = words[pos:pos + k]
            sent[0] = sent[0].capitalize()
            s = " ".join(sent) + "."
            if length + 1 + len(s) > TEXT_LEN - MAX_WORD - 2:
                break
            sentences.append(s)
            length += 1 + len(s)
            pos += k
        # finish with a partial sentence, word by word, then one exact-length word
        tokens = sentences
        r = TEXT_LEN - length - 1  # chars left after one more separator
        rest = iter(words[pos:])
        first = True
        while r > MAX_WORD + 2:  # a word plus separator takes <= MAX_WORD + 1, leaving r >= 2
            w = next(rest, None) or self.draw(1)[0]
            tokens.append(w.capitalize() if first else w)
            first = False
            r -= len(w) + 1
        # r chars remain for the final "word.": 2 <= r <= MAX_WORD + 2
        last = rng.choice(self.by_len[r - 1])
        tokens.append((last.capitalize() if first else last) + ".")
        text = " ".join(tokens)
        assert len(text) == TEXT_LEN, len(text)
        return text


# A JSON string (non-ASCII kept as is) is a valid YAML double-quoted scalar; this is
# json.dumps(s, ensure_ascii=False) without its per-call overhead.
q = json.encoder.encode_basestring


_WFLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)


def write(path: str, text: str) -> None:
    fd = os.open(path, _WFLAGS, 0o644)
    try:
        os.write(fd, text.encode("utf-8"))
    finally:
        os.close(fd)


def write_many(items: list[tuple[str, str]]) -> None:
    for path, text in items:
        write(path, text)


def prepare(dirpath: str, force: bool, ours: list[str]) -> None:
    if os.path.exists(dirpath) and os.listdir(dirpath):
        if not force:
            sys.exit(f"make_corpus: {dirpath} exists and is not empty (use --force to "
                     f"replace {', '.join(ours)} in it)")
        for name in ours:
            p = os.path.join(dirpath, name)
            if os.path.isdir(p):
                shutil.rmtree(p)
            elif os.path.exists(p):
                os.remove(p)
    os.makedirs(dirpath, exist_ok=True)


HUGO_LAYOUTS = {
    "_default/single.html": """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }} | {{ .Site.Title }}</title></head>
<body>
<h1>{{ .Title }}</h1>
<p class="authors">{{ range $i, $a := .Params.authors }}{{ if $i }}, {{ end }}{{ with site.GetPage (printf "/authors/%s" (urls.Parse (urlize $a)).Path) }}<a href="{{ .RelPermalink }}">{{ $a }}</a>{{ end }}{{ end }}</p>
<p class="venue">{{ range .Params.venues }}{{ with site.GetPage (printf "/venues/%s" (urls.Parse (urlize .)).Path) }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a>{{ end }}{{ end }} {{ .Date.Year }}</p>
<p class="tags">{{ range .Params.tags }}{{ with site.GetPage (printf "/tags/%s" (urls.Parse (urlize .)).Path) }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a>{{ end }} {{ end }}</p>
<div class="abstract">{{ .Content }}</div>
</body></html>
""",
    "_default/list.html": """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }} | {{ .Site.Title }}</title></head>
<body>
<h1>{{ .Title }}</h1>
<ul>
{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> — {{ delimit .Params.authors ", " }}</li>
{{ end }}</ul>
</body></html>
""",
    "_default/terms.html": """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }} | {{ .Site.Title }}</title></head>
<body>
<h1>{{ .Title }}</h1>
<ul>
{{ range .Data.Terms.Alphabetical }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.LinkTitle }}</a> ({{ .Count }})</li>
{{ end }}</ul>
</body></html>
""",
    "_default/taxonomy.html": """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }} | {{ .Site.Title }}</title></head>
<body>
<h1>{{ .Title }}</h1>
<ul>
{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> — {{ delimit .Params.authors ", " }} ({{ .Date.Year }})</li>
{{ end }}</ul>
</body></html>
""",
    "index.html": """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Site.Title }}</title></head>
<body>
<h1>{{ .Site.Title }}</h1>
<ul>
{{ range first 50 (where .Site.RegularPages "Section" "papers").ByDate.Reverse }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> — {{ delimit .Params.authors ", " }} ({{ .Date.Format "2006-01-02" }})</li>
{{ end }}</ul>
</body></html>
""",
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", metavar="N", type=int, help="number of papers")
    ap.add_argument("dir", metavar="DIR", help="output Papersite site folder")
    ap.add_argument("--hugo", metavar="HUGODIR", help="also write the corpus as a Hugo site")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--force", action="store_true",
                    help="replace generated files in a non-empty DIR / HUGODIR")
    args = ap.parse_args(argv)
    n = args.n
    if n < 1:
        ap.error("N must be >= 1")
    t0 = time.perf_counter()

    rng = random.Random(f"papersite-bench-corpus:{args.seed}")
    text = TextGen(rng)
    pool = build_author_pool(author_pool_size(n), args.seed)
    pool_cw = zipf_cum_weights(len(pool), s=1.0, q=10.0)
    venues = build_venues()
    tags = build_tags()
    tag_order = tags[:]
    random.Random(f"papersite-bench-tags:{args.seed}").shuffle(tag_order)  # popularity order
    tag_cw = zipf_cum_weights(len(tag_order), s=0.8, q=1.0)
    width = max(6, len(str(n)))

    prepare(args.dir, args.force, ["site.yaml", "content"])
    papers_dir = os.path.join(args.dir, "content", "papers")
    os.makedirs(papers_dir)
    write(os.path.join(args.dir, "site.yaml"),
          f"title: {q(f'Synthetic corpus ({n} papers)')}\n"
          f"description: {q(f'A deterministic synthetic benchmark corpus (seed {args.seed})')}\n"
          "base_url: https://example.org/\n"
          "language: en\n"
          "paginate: 50\n")
    write(os.path.join(args.dir, "content", "venues.yaml"), "".join(
        f"- id: {q(v['id'])}\n  short: {q(v['short'])}\n  name: {q(v['name'])}\n"
        f"  type: {v['type']}\n" for v in venues))
    write(os.path.join(args.dir, "content", "tags.yaml"), "".join(
        f"{q(t)}:\n  description: {q('Synthetic papers about ' + t + '.')}\n" for t in tags))

    hugo_papers = None
    if args.hugo:
        prepare(args.hugo, args.force, ["hugo.toml", "content", "layouts"])
        hugo_papers = os.path.join(args.hugo, "content", "papers")
        os.makedirs(hugo_papers)
        write(os.path.join(args.hugo, "hugo.toml"),
              'baseURL = "https://example.org/"\n'
              f"title = {q(f'Synthetic corpus ({n} papers)')}\n"
              'languageCode = "en"\n'
              'disableKinds = ["RSS", "sitemap", "robotsTXT"]\n'
              "\n"
              "[taxonomies]\n"
              '  author = "authors"\n'
              '  venue = "venues"\n'
              '  tag = "tags"\n')
        for rel, body in HUGO_LAYOUTS.items():
            path = os.path.join(args.hugo, "layouts", rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            write(path, body)
        write(os.path.join(args.hugo, "content", "papers", "_index.md"),
              '---\ntitle: "Papers"\n---\n')

    # Files are written by a background thread (file creation is mostly kernel time,
    # which runs outside the GIL) while this thread generates the next papers.
    writers = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    futures: collections.deque[concurrent.futures.Future] = collections.deque()
    pending: list[tuple[str, str]] = []
    years = list(YEARS)
    n_venues = len(venues)
    jan1 = {y: _dt.date(y, 1, 1) for y in years}
    for i in range(1, n + 1):
        pid = f"p{i:0{width}d}"
        title = text.title()
        k = rng.randint(3, 8)
        authors: list[str] = []
        while len(authors) < k:
            for a in rng.choices(pool, cum_weights=pool_cw, k=k - len(authors)):
                if a not in authors:
                    authors.append(a)
        year = years[rng.randrange(len(years))]
        date = (jan1[year] + _dt.timedelta(days=rng.randrange(366 if year % 4 == 0 else 365))).isoformat()
        venue = venues[rng.randrange(n_venues)]
        kt = rng.randint(1, 4)
        ptags: list[str] = []
        while len(ptags) < kt:
            t = rng.choices(tag_order, cum_weights=tag_cw)[0]
            if t not in ptags:
                ptags.append(t)
        abstract = text.abstract()
        citations = None
        if rng.random() < 0.5:
            citations = min(int((rng.paretovariate(1.2) - 1.0) * 8), 100000)

        qtitle, qauthors, qtags = q(title), [q(a) for a in authors], [q(t) for t in ptags]
        lines = [f"id: {pid}\n", f"title: {qtitle}\n", "authors:\n"]
        lines += [f"  - {a}\n" for a in qauthors]
        lines += [f"year: {year}\n", f"date: {date}\n", f"venue: {q(venue['id'])}\n", "tags:\n"]
        lines += [f"  - {t}\n" for t in qtags]
        lines.append(f"abstract: {q(abstract)}\n")
        if citations is not None:
            lines.append(f"citations: {citations}\n")
        pending.append((os.path.join(papers_dir, pid + ".yaml"), "".join(lines)))

        if hugo_papers is not None:
            pending.append((os.path.join(hugo_papers, pid + ".md"),
                  f"---\ntitle: {qtitle}\ndate: {date}\n"
                  f"authors: [{', '.join(qauthors)}]\n"
                  f"venues: [{q(venue['short'])}]\n"
                  f"tags: [{', '.join(qtags)}]\n---\n\n{abstract}\n"))
        if len(pending) >= 512:
            futures.append(writers.submit(write_many, pending))
            pending = []
            while len(futures) > 8:  # bound the memory held by queued files
                futures.popleft().result()
    futures.append(writers.submit(write_many, pending))
    writers.shutdown(wait=True)
    for f in futures:
        f.result()  # re-raise any write error

    dt = time.perf_counter() - t0
    print(f"make_corpus: {n} papers, {len(pool)} pool names, {n_venues} venues, "
          f"{len(tags)} tags -> {args.dir}" + (f" (+ Hugo site {args.hugo})" if args.hugo else "")
          + f" in {dt:.2f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
