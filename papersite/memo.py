"""What one build made of each paper, kept while that build's objects are in use.

BibTeX entries, feed entries and CSL-JSON items are each made once per paper and used on
many pages and files. Each memo belongs to the objects it was made from (a catalog, a
router): a later build with new ones starts afresh, while a preview that keeps its
catalog and router forgets only the papers an edit changed.
"""

from __future__ import annotations


class PaperMemo:
    """Per-paper results, valid while the owners are the same objects."""

    def __init__(self):
        self.owners: tuple = ()
        self.items: dict[str, object] = {}

    def of(self, *owners) -> dict:
        """The items made for these owners (an empty dict when they are new ones)."""
        if len(owners) != len(self.owners) or any(
                a is not b for a, b in zip(owners, self.owners)):
            self.owners, self.items = owners, {}
        return self.items

    def owned_by(self, *owners) -> bool:
        return len(owners) == len(self.owners) and all(
            a is b for a, b in zip(owners, self.owners))

    def forget(self, ids=None) -> None:
        """Drop these papers' items, or everything (and the owners) when ids is None."""
        if ids is None:
            self.owners, self.items = (), {}
        else:
            for pid in ids:
                self.items.pop(pid, None)
