"""Statistical disclosure control for published report tables: which counts to withhold so that
no count below the threshold can be read, or recovered by subtraction from published totals.

Primary suppression withholds every count in 0 < count < threshold. Secondary suppression then
adds complementary cells until, in every additive relationship (`Equation`), no member is the
only one withheld and the withheld parts of a published total sum to at least the threshold.
Those local rules miss cells that a 2-D table pins down through several equations at once, so
an exact audit over the whole linear system adds cells until no withheld count is determined.
Choices depend only on the counts and the order of the equations, so reports are reproducible.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)

# (outside the preferred equations, member class, count, equation index, position):
# non-zero parts before zero parts before totals, smallest count first, then a stable order.
Rank = tuple[bool, int, int, int, int]


@dataclass(frozen=True)
class Equation(Generic[K]):
    """`parts` sum to `total` (a published additive relationship)."""

    parts: tuple[K, ...]
    total: K

    @property
    def members(self) -> tuple[K, ...]:
        return (*self.parts, self.total)


def suppress(counts: Mapping[K, int], equations: Sequence[Equation[K]], threshold: int,
             hidden: frozenset[K] = frozenset()) -> frozenset[K]:
    """The keys to withhold. threshold <= 1 means no suppression (only `hidden` returned).

    `hidden`: keys that are never published but take part in published sums (a closed
    hearing's share of a month's count); withheld from the start, so that nothing published
    gives them away."""
    _check(counts, equations)
    zeros = _known_zeros(counts, equations, hidden)
    if threshold <= 1:
        return frozenset(hidden - zeros)
    withheld = (set(hidden) - zeros) | {
        key for key, count in counts.items() if 0 < count < threshold}
    # An equation with a zero total says every member is zero to anyone: withholding any of
    # them hides nothing, so they are left published and out of every choice.
    live = [e for e in equations if not (set(e.members) <= zeros)]
    occurs: dict[K, list[int]] = {}
    for index, equation in enumerate(live):
        for key in equation.members:
            occurs.setdefault(key, []).append(index)
    while True:
        _close(counts, live, threshold, withheld, fixed=zeros, never=hidden - zeros)
        extras = _audit(counts, live, occurs, withheld, zeros)
        if not extras:
            return frozenset(withheld)
        withheld.update(extras)


def _known_zeros(counts: Mapping[K, int], equations: Sequence[Equation[K]],
                 hidden: frozenset[K]) -> frozenset[K]:
    """Keys any reader knows are zero: the members of an equation whose total is zero and
    shown (counts are never negative), and so on through the totals among them."""
    zeros: set[K] = set()
    changed = True
    while changed:
        changed = False
        for equation in equations:
            total = equation.total
            if (counts[total] == 0 and (total in zeros or total not in hidden)
                    and not set(equation.members) <= zeros):
                zeros.update(equation.members)
                changed = True
    return frozenset(zeros)


def _check(counts: Mapping[K, int], equations: Sequence[Equation[K]]) -> None:
    # Messages name keys and equation positions, never counts: a count may itself be disclosive.
    for key, count in counts.items():
        if count < 0:
            raise ValueError(f"count for {key!r} is negative")
    for index, equation in enumerate(equations):
        members = equation.members
        if not equation.parts:
            raise ValueError(f"equation {index} (total {equation.total!r}) has no parts")
        if len(set(members)) != len(members):
            raise ValueError(f"equation {index} (total {equation.total!r}) names a key twice")
        for key in members:
            if key not in counts:
                raise ValueError(f"equation {index}: no count for {key!r}")
        if sum(counts[part] for part in equation.parts) != counts[equation.total]:
            raise ValueError(f"equation {index}: parts do not sum to total {equation.total!r}")


def _close(counts: Mapping[K, int], equations: Sequence[Equation[K]], threshold: int,
           withheld: set[K], *, fixed: frozenset[K], never: frozenset[K]) -> None:
    """Apply the per-equation rules until no equation asks for another cell."""
    changed = True
    while changed:
        changed = False
        for index, equation in enumerate(equations):
            # An unsafe equation always has a published member (its total, or with the total
            # withheld, all its parts), so the loop only ends once the equation is safe.
            while not _safe(counts, equation, threshold, withheld, never) and (
                    extra := _cheapest(counts, equations, [index], withheld, {index},
                                               fixed=fixed)
            ) is not None:
                withheld.add(extra)
                changed = True


def _safe(counts: Mapping[K, int], equation: Equation[K], threshold: int,
          withheld: set[K], never: frozenset[K]) -> bool:
    hidden = [part for part in equation.parts if part in withheld]
    if equation.total in withheld:
        # A withheld total whose only withheld parts are never shown would stand for them:
        # every shown part zero, the total's mark alone would say the hidden share is not.
        return any(part not in never for part in hidden)
    # With the total published the hidden parts' sum is known: it must not single out one part
    # nor bound any part below the threshold (a sum of 0 would disclose each part as zero).
    return not hidden or (len(hidden) >= 2 and sum(counts[p] for p in hidden) >= threshold)


def _cheapest(counts: Mapping[K, int], equations: Sequence[Equation[K]], indices: list[int],
              withheld: set[K], preferred: set[int], *, fixed: frozenset[K]) -> K | None:
    """The published member to withhold next among `indices`, preferring `preferred` ones;
    never one in `fixed` (known to every reader, so withholding it would hide nothing)."""
    best: tuple[Rank, K] | None = None
    for index in indices:
        equation = equations[index]
        for position, key in enumerate(equation.members):
            if key in withheld or key in fixed:
                continue
            is_total = position == len(equation.parts)
            kind = 2 if is_total else (0 if counts[key] else 1)
            rank = (index not in preferred, kind, counts[key], index, position)
            if best is None or rank < best[0]:
                best = (rank, key)
    return None if best is None else best[1]


def _audit(counts: Mapping[K, int], equations: Sequence[Equation[K]],
           occurs: Mapping[K, list[int]], withheld: set[K], fixed: frozenset[K]) -> set[K]:
    """Published keys to withhold because withheld keys are still determined: one for each
    determined key (a full elimination per key would be slow on a year of reports)."""
    extras: set[K] = set()
    for key in _determined(equations, occurs, withheld):
        # Only equations linked to `key` through withheld keys take part in determining it;
        # its own equations come first as the cheapest place to break the determination.
        extra = _cheapest(counts, equations, _linked(equations, occurs, withheld, key),
                          withheld | extras, set(occurs[key]), fixed=fixed)
        if extra is not None:
            extras.add(extra)
    # Anything still determined with no extra is forced to zero by the equations alone.
    return extras


def _linked(equations: Sequence[Equation[K]], occurs: Mapping[K, list[int]],
            withheld: set[K], start: K) -> list[int]:
    seen_keys, seen, frontier = {start}, set[int](), [start]
    while frontier:
        for index in occurs[frontier.pop()]:
            if index in seen:
                continue
            seen.add(index)
            for key in equations[index].members:
                if key in withheld and key not in seen_keys:
                    seen_keys.add(key)
                    frontier.append(key)
    return sorted(seen)


def _determined(equations: Sequence[Equation[K]], occurs: Mapping[K, list[int]],
                withheld: set[K]) -> list[K]:
    """Withheld keys whose value follows from the published ones, in first-appearance order.

    With the published values moved to the right-hand side, a withheld key is determined iff
    its unit vector lies in the row space of the unknowns' coefficients: in reduced row echelon
    form, iff it is a pivot whose row has no other entry. Exact, in integers: rows are scaled
    rather than divided (and kept small by their greatest common divisor), so nothing is
    misjudged by rounding; rows are sparse, as report equations touch few unknowns.
    """
    column = {key: i for i, key in enumerate(k for k in occurs if k in withheld)}
    pivots: dict[int, dict[int, int]] = {}
    for equation in equations:
        row = {column[part]: 1 for part in equation.parts if part in withheld}
        if equation.total in withheld:
            row[column[equation.total]] = -1
        for col in [c for c in row if c in pivots]:
            factor = row.get(col, 0)
            if factor:
                row = _combine(pivots[col][col], row, factor, pivots[col])
        if not row:
            continue
        lead = min(row)
        for other_lead, other in list(pivots.items()):
            factor = other.get(lead, 0)
            if factor:
                pivots[other_lead] = _combine(row[lead], other, factor, row)
        pivots[lead] = row
    keys = list(column)
    return [keys[col] for col in sorted(pivots) if len(pivots[col]) == 1]


def _combine(scale: int, row: dict[int, int], factor: int,
             pivot: dict[int, int]) -> dict[int, int]:
    """scale * row - factor * pivot, without zero entries, divided by its entries' gcd."""
    combined = {c: scale * row.get(c, 0) - factor * pivot.get(c, 0)
                for c in row.keys() | pivot.keys()}
    combined = {c: v for c, v in combined.items() if v}
    divisor = math.gcd(*combined.values()) if combined else 1
    return {c: v // divisor for c, v in combined.items()}
