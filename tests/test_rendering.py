"""The engine's Jinja environment compiles templates its own way (rendering.py): `x.name`
on a dict, output escapes, calls of the renderer's entry(), and blocks and includes joined
where they are made. These tests hold it to Jinja's own results."""

from __future__ import annotations

import gc
from types import SimpleNamespace

import jinja2
import pytest
from markupsafe import Markup

from papersite.diagnostics import BuildError
from papersite.pipeline import prepare
from papersite.rendering import _Environment

TEMPLATES = {
    "base.html": "<title>{{ page.title }}</title>{% block head %}{% endblock %}\n"
                 "<main>{% block main %}default{% endblock %}</main>{{ page.n }}",
    "_part.html": "{% for x in items %}<i>{{ x }}</i>{% endfor %}{{ d.name }}",
    "page.html": "{% extends 'base.html' %}{% block main %}{{ d.name }} {{ d.items is callable }}"
                 " {{ obj.attr }} {{ safe }} {{ 7 }} {{ none }}{% include '_part.html' %}"
                 "{% set captured %}{{ d.name }}{% include '_part.html' %}{% endset %}"
                 "[{{ captured }}]{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}"
                 "{% endblock %}",
}


def _envs():
    options = dict(loader=jinja2.DictLoader(TEMPLATES), autoescape=True,
                   undefined=jinja2.StrictUndefined)
    return _Environment(**options), jinja2.Environment(**options)


CONTEXT = {"page": {"title": "<T & T>", "n": 3},
           "d": {"name": "a<b", "items": "a key named like a dict method"},
           "obj": SimpleNamespace(attr="'quoted'"), "safe": Markup("<em>kept</em>"),
           "none": None, "items": ["<x>", 2]}


def test_templates_render_exactly_as_jinja_renders_them():
    ours, jinjas = _envs()
    expected = jinjas.get_template("page.html").render(CONTEXT)
    assert ours.get_template("page.html").render(CONTEXT) == expected
    # and the cases that matter are in it: escaped text, Markup kept, the dict method
    # found before a key of the same name, the included and captured output
    assert "a&lt;b True &#39;quoted&#39; <em>kept</em> 7 None<i>&lt;x&gt;</i><i>2</i>" in expected
    assert "[a&lt;b<i>&lt;x&gt;</i><i>2</i>a&lt;b]" in expected


def test_a_missing_key_is_an_error_not_a_blank():
    ours, _ = _envs()
    template = ours.from_string("{{ d.nothing }}")
    with pytest.raises(jinja2.UndefinedError, match="nothing"):
        template.render(d={"name": "x"})
    assert ours.from_string("{{ d.nothing is defined }}").render(d={}) == "False"


def test_the_direct_call_is_the_registered_function_only():
    ours, _ = _envs()
    calls = []

    def entry(pid, variant="entry"):
        calls.append((pid, variant))
        return Markup(f"<li>{pid}</li>")

    ours.globals["entry"] = entry
    ours.direct_call = entry
    html = ours.from_string("{% for i in ids %}{{ entry(i, 'c') }}{% endfor %}"
                            "{{ other(1) }}").render(ids=["p1", "p2"], other=lambda n: n + 1)
    assert html == "<li>p1</li><li>p2</li>2"
    assert calls == [("p1", "c"), ("p2", "c")]


def test_the_cycle_collector_is_paused_only_while_a_site_is_prepared(make_site):
    site = make_site({"content/papers/a.yaml": "title: A\nauthors: [Ada Lovelace]\n"})
    assert gc.isenabled()
    prepare(site, use_cache=False)
    assert gc.isenabled()
    bad = make_site({"content/papers/a.yaml": "title: A\nauthors: 3\n"})
    with pytest.raises(BuildError):
        prepare(bad, use_cache=False)
    assert gc.isenabled()
