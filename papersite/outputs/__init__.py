"""Output formats besides HTML pages: one module each (feeds, BibTeX, CSL-JSON, sitemap,
scholarly metadata, search). Each turns the catalog into files or page fragments; none
writes to disk (the writer does)."""
