"""Renders the pages' templates with a plain Jinja environment, as the web app loads them: ours
from web/templates, GOV.UK's from the govuk-frontend-jinja package under its own prefix."""

import hashlib
import re
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    DictLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
)

TEMPLATES = Path(__file__).parents[2] / "web" / "templates"
# Pages written in a test (name: source), beside the real templates.
_SOURCES: dict[str, str] = {}


@cache
def environment() -> Environment:
    """One environment for the session: compiling GOV.UK's templates takes a while."""
    return Environment(
        loader=ChoiceLoader([
            DictLoader(_SOURCES),
            FileSystemLoader(TEMPLATES),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]),
        autoescape=True,
    )


def render(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)


def render_source(source: str, **context: Any) -> str:
    """Renders a template written in the test, which may extend and import ours."""
    name = "test-" + hashlib.sha256(source.encode()).hexdigest()[:16] + ".html"
    _SOURCES[name] = source
    return render(name, **context)


def between(html: str, start: str, end: str) -> str:
    """The part of `html` from the first `start` to the next `end` (for a landmark's content)."""
    match = re.search(re.escape(start) + ".*?" + re.escape(end), html, re.DOTALL)
    assert match, f"{start!r} … {end!r} not found"
    return match.group(0)
