"""site.yaml: the site configuration, declared as a class.

Every setting has a type, a default and a docstring; unknown keys warn (and fail under
--strict), like unknown content fields. `base_url` is absolute: its path is the prefix
of every link on the site, so the same output works at a domain root or under /repo/.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from .model import LISTING_FIELDS, PAPER_TYPES, PageSlug, Slug, Text, Url

GroupBy = Literal["year", "month", "date", "venue", "type", "none"]


def _check_base_url(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"'{value}' must be an absolute http(s) URL such as "
                         "https://user.github.io/papers/")
    if any(ch.isspace() or ch in "<>\"'`\\{}|^" or ord(ch) < 32 for ch in value.strip()):
        raise ValueError(f"'{value}' is not a valid URL: it holds spaces or characters "
                         "such as < > \" that must be percent-encoded")
    try:
        parts.port
    except ValueError:
        raise ValueError(f"'{value}' has an invalid port") from None
    if parts.username is not None or not re.fullmatch(r"[a-z0-9.-]+|[0-9a-f:.]+",
                                                      parts.hostname or ""):
        raise ValueError(f"'{value}' does not name a host such as user.github.io")
    if parts.query or parts.fragment:
        raise ValueError(f"'{value}' must not have a query or fragment")
    path = parts.path or "/"
    if not path.endswith("/"):
        path += "/"
    return f"{parts.scheme}://{parts.netloc}{path}"


class _Settings(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, hide_input_in_errors=True)


class NavItem(_Settings):
    """A link in the site's navigation bar."""

    title: Text
    url: Url


# Paper fields whose values are numbers or yes/no: what a listing's filter must give.
_FILTER_KINDS = {"year": int, "month": int, "citations": int, "upvotes": int,
                 "author_count": int, "selected": bool, "draft": bool, "et_al": bool}
_KIND_NAMES = {int: "a whole number", bool: "true or false"}


class Listing(_Settings):
    """A listing page declared in site.yaml: a filter, a sort order, a grouping."""

    slug: PageSlug
    title: Text
    description: str | None = None
    filter: dict[str, str | int | bool | list[str | int]] = {}
    sort: list[str] = ["-date", "-year", "title"]
    group_by: GroupBy = "year"
    paginate: Annotated[int, Field(ge=0)] | None = None

    @field_validator("filter")
    @classmethod
    def _known_filter_fields(cls, value: dict) -> dict:
        for key, wanted in value.items():
            if key not in LISTING_FIELDS:
                raise ValueError(f"cannot filter on '{key}': not a paper field")
            # A value of the wrong kind matches no paper: an empty listing, said nowhere.
            kind = _FILTER_KINDS.get(key)
            for one in wanted if isinstance(wanted, list) else [wanted]:
                if kind is not None and (type(one) is not kind):
                    raise ValueError(f"{key}: expected {_KIND_NAMES[kind]}, found "
                                     f"'{one}'")
                if key == "type" and one not in PAPER_TYPES:
                    raise ValueError(f"type: expected one of {', '.join(PAPER_TYPES)}, "
                                     f"found '{one}'")
        return value

    @field_validator("sort")
    @classmethod
    def _known_sort_fields(cls, value: list[str]) -> list[str]:
        for key in value:
            if key.lstrip("-+") not in LISTING_FIELDS:
                raise ValueError(f"cannot sort on '{key.lstrip('-+')}': not a paper field")
        return value


class SiteConfig(_Settings):
    """The settings of site.yaml."""

    title: Text = "Publications"
    description: str = ""
    base_url: Annotated[str, AfterValidator(_check_base_url)] = "http://localhost:8000/"
    language: Annotated[str, Field(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")] = "en"
    owner: Slug | None = None
    home: str | None = None
    paginate: Annotated[int, Field(ge=0)] = 50
    cname: Annotated[str, Field(pattern=r"^[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")] | None = None
    nav: list[NavItem] | None = None
    listings: list[Listing] = []
    author_list_limit: Annotated[int, Field(ge=1)] = 8

    @property
    def base_path(self) -> str:
        """The path part of base_url: '/' or '/repo/'."""
        return urlsplit(self.base_url).path

    @property
    def origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    def with_base_url(self, url: str) -> "SiteConfig":
        return self.model_copy(update={"base_url": _check_base_url(url)})
