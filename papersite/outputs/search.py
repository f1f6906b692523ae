"""Search index (Pagefind). Placeholder until the search work lands: indexes nothing."""


def index_files(site, writer):
    return []
