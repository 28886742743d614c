"""A page's HTML as a tree (the standard library's parser), for tests that read what a page
shows: its elements by tag, class or attribute, and their text as a person reads it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

# Elements that have no end tag.
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "source", "track", "wbr"})


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element | str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    @property
    def text(self) -> str:
        """Its text with whitespace collapsed, as read (hidden text included)."""
        return " ".join("".join(self._strings()).split())

    def _strings(self) -> Iterator[str]:
        for child in self.children:
            if isinstance(child, str):
                yield child
            else:
                yield from child._strings()

    def walk(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.walk()

    def all(self, tag: str | None = None, cls: str | None = None, has: str | None = None,
            **attrs: str) -> list[Element]:
        """Its descendants (and itself) with this tag, class, attribute `has` (any value)
        and attributes (`data_item` for data-item), in document order."""
        wanted = {name.replace("_", "-"): value for name, value in attrs.items()}
        return [e for e in self.walk()
                if (tag is None or e.tag == tag) and (cls is None or cls in e.classes)
                and (has is None or has in e.attrs)
                and all(e.attrs.get(name) == value for name, value in wanted.items())]

    def first(self, tag: str | None = None, cls: str | None = None, has: str | None = None,
              **attrs: str) -> Element | None:
        found = self.all(tag, cls, has, **attrs)
        return found[0] if found else None

    def one(self, tag: str | None = None, cls: str | None = None, has: str | None = None,
            **attrs: str) -> Element:
        found = self.all(tag, cls, has, **attrs)
        assert len(found) == 1, (tag, cls, has, attrs, len(found))
        return found[0]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.open = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.open[-1].children.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.open[-1].children.append(Element(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        # Closes the innermost open element of that name (and any left open inside it).
        for depth in range(len(self.open) - 1, 0, -1):
            if self.open[depth].tag == tag:
                del self.open[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.open[-1].children.append(data)


def parse(html: str) -> Element:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root
