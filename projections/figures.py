"""A report's figures as it is built: counts of people (subject to disclosure control), the
sums that relate them, figures derived from them, and operational figures (meetings, actions)
that count no one. Publishing applies disclosure control and lays the figures out as JSON."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from projections.disclosure import Equation

Path = tuple[str, ...]
# One mark for every withheld figure, small or withheld to protect a small one: a separate
# mark for each would tell readers which were small, and so bound them.
WITHHELD = "[c]"
WITHHELD_MEANS = ("withheld: a count below the area's threshold, a figure derived from one, "
                  "or a count withheld so that no such count can be worked out from others")
Value = int | float | str | None
# Figures as published: a tree keyed by indicator (and by month, agency or meeting), its leaves
# the figures, or WITHHELD in place of one.
Published = Mapping[str, "Value | Published"]


def pct(part: float, whole: float) -> float | None:
    """A percentage to one decimal place, rounded half up (as published figures are)."""
    if not whole:
        return None
    return float(Decimal(str(part * 100 / whole)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def one_place(value: float) -> float:
    return float(Decimal(str(value)).quantize(Decimal("0.1"), ROUND_HALF_UP))


@dataclass(frozen=True)
class Derived:
    inputs: tuple[Path, ...]
    compute: Callable[..., Value]


@dataclass
class Figures:
    counts: dict[Path, int] = field(default_factory=dict)
    equations: list[Equation[Path]] = field(default_factory=list)
    derived: dict[Path, Derived] = field(default_factory=dict)
    # Everything in the order it is laid out: counted, derived and operational figures.
    layout: dict[Path, Value] = field(default_factory=dict)
    # Counts never shown that take part in sums (an overlap between two shown counts).
    secret: set[Path] = field(default_factory=set)

    def count(self, path: Path, value: int) -> Path:
        """A count of people: withheld when small."""
        self.counts[path] = value
        self.layout[path] = value
        return path

    def hidden(self, path: Path, value: int) -> Path:
        """A count never shown, so that sums through it reveal nothing."""
        self.counts[path] = value
        self.secret.add(path)
        return path

    def operational(self, path: Path, value: Value) -> None:
        """A figure about meetings, agencies or actions, which identifies no one."""
        self.layout[path] = value

    def derive(self, path: Path, inputs: Sequence[Path], compute: Callable[..., Value]) -> None:
        """A figure computed from counts (a percentage, a rate): withheld with any of them."""
        self.derived[path] = Derived(tuple(inputs), compute)
        self.layout[path] = compute(*(self.counts[i] for i in inputs))

    def share(self, path: Path, part: Path, whole: Path) -> None:
        self.derive(path, (part, whole), pct)

    def sums(self, parts: Sequence[Path], total: Path) -> None:
        self.equations.append(Equation(tuple(parts), total))

    def publish(self, withheld: frozenset[Path], label: str) -> tuple[Published, int]:
        """The laid-out figures with the `withheld` counts, and every figure derived from
        one, shown as `label`; and how many figures that hid."""
        hidden = set(withheld) | {p for p, d in self.derived.items()
                                  if any(i in withheld for i in d.inputs)}
        out: dict[str, Any] = {}
        for path, value in self.layout.items():
            node = out
            for key in path[:-1]:
                node = node.setdefault(key, {})
            node[path[-1]] = label if path in hidden else value
        return out, len(hidden & set(self.layout))
