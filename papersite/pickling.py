"""How the many small objects of a snapshot (snapshot.py) are pickled.

A dataclass unpickles by default through its own __setstate__, which for slots or frozen
classes looks the fields up again for every object; a plain one sets its __dict__ from a
pickled dict of field names. At 100,000 papers a snapshot holds over half a million of
them (bylines, entries, people, content files), and calling the constructor with the
fields in order is the quicker way back.
"""

from __future__ import annotations

from dataclasses import fields


def by_fields(cls):
    """Class decorator: unpickle through the constructor, from the fields in order."""
    names = tuple(f.name for f in fields(cls) if f.init)   # the rest are made from these

    def __reduce__(self):
        return cls, tuple(getattr(self, name) for name in names)

    cls.__reduce__ = __reduce__
    return cls
