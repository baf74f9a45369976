"""Suppression across the breakdowns of one report, so that no combination of them shows a small group.

The breakdowns by department, gender and age band split the same respondents, and each shows its groups'
sizes and means beside the report's total. Someone who knows which leavers belong to which groups can add and
subtract those figures: the total minus the women minus the 45-54s leaves whoever is in neither, and when that
is one person, their answers. Each group being large enough on its own does not prevent it.

So the check looks at the respondents counted by their cell of the cross-classification (department, gender,
age band). Within each breakdown the suppressed groups act as one group, because their sum follows from the
total. Every figure shown is then a sum over the cells of one group, and what a reader can work out is any
linear combination of those sums. A combination is harmless when it is zero or touches cells holding at least
k people together; one that touches fewer than k people (and not none) discloses them. ``disclosure`` finds
such a combination if there is one, exactly; while one exists, ``shown_groups`` suppresses one more group."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from math import gcd

Key = tuple[str | None, ...]
# Beyond this many steps the search stops and counts the groups as unsafe: suppressing one more is always safe.
SEARCH_LIMIT = 20_000
# The pairs of groups (``shown_pairs``): a shorter search, and at most this many pairs taken out before none shows.
PAIR_SEARCH_LIMIT = 2_000
PAIR_ROUNDS = 4


@dataclass(frozen=True)
class Span:
    """The span of integer vectors in row echelon form, kept exact (fractions would be slower, floats inexact)."""

    basis: tuple[tuple[int, tuple[int, ...]], ...] = ()

    @property
    def rank(self) -> int:
        return len(self.basis)

    def residue(self, vector: Sequence[int]) -> list[int]:
        """The vector less its part in the span: all zeros exactly when the span holds it."""
        rest = list(vector)
        for pivot, row in self.basis:
            if rest[pivot]:
                scale, factor = row[pivot], rest[pivot]
                rest = [scale * a - factor * b for a, b in zip(rest, row, strict=False)]
                divisor = gcd(*rest)
                if divisor > 1:
                    rest = [a // divisor for a in rest]
        return rest

    def holds(self, vector: Sequence[int]) -> bool:
        return not any(self.residue(vector))

    def plus(self, vector: Sequence[int]) -> "Span":
        rest = self.residue(vector)
        if not any(rest):
            return self
        pivot = next(i for i, a in enumerate(rest) if a)
        return Span((*self.basis, (pivot, tuple(rest))))


# A figure on a pair of groups (the respondents of one department in one target group): (dimension, group,
# dimension, group).
Pair = tuple[int, str, int, str]


def _vectors(cells: Iterable[Key], pairs: Iterable[Pair] = ()) -> dict[Key, tuple[int, ...]]:
    """Each cell as the indicator of the groups it belongs to (one per breakdown) and of the pairs of groups it is in."""
    rows: dict[tuple[int, str | None], int] = {}
    indices = {cell: [rows.setdefault((d, group), len(rows)) for d, group in enumerate(cell)] for cell in cells}
    wanted = sorted(set(pairs), key=str)
    for cell, index in indices.items():
        index += [len(rows) + i for i, (d, g, e, h) in enumerate(wanted) if cell[d] == g and cell[e] == h]
    width = len(rows) + len(wanted)
    return {cell: tuple(1 if i in index else 0 for i in range(width)) for cell, index in indices.items()}


class _Search:
    def __init__(
        self, exposed: list[tuple[int, Key, tuple[int, ...]]], full_rank: int, k: int, limit: int = SEARCH_LIMIT
    ) -> None:
        self.exposed, self.full_rank, self.k, self.steps, self.limit = exposed, full_rank, k, 0, limit

    def run(self, start: int, zero: Span, weight: int, support: tuple[Key, ...]) -> tuple[Key, ...] | None:
        """A set of cells, holding fewer than k people, on which some combination is not zero while it is zero on
        every other cell; None when there is none. Each exposed cell is either in the set or a cell where it is zero."""
        self.steps += 1
        if self.steps > self.limit:
            return tuple(cell for _, cell, _ in self.exposed)
        if zero.rank == self.full_rank:
            return None  # only the zero combination is left
        index = start
        while index < len(self.exposed) and zero.holds(self.exposed[index][2]):
            index += 1  # zero here already follows from the cells where it is zero
        if index == len(self.exposed):
            return support
        size, cell, vector = self.exposed[index]
        if weight + size < self.k:
            found = self.run(index + 1, zero, weight + size, (*support, cell))
            if found is not None:
                return found
        return self.run(index + 1, zero.plus(vector), weight, support)


def disclosure(
    cells: Mapping[Key, int], k: int, pairs: Iterable[Pair] = (), limit: int = SEARCH_LIMIT
) -> tuple[Key, ...] | None:
    """Cells holding fewer than k people (but some) that a combination of the groups' sums isolates; None when none do.

    ``cells`` maps each non-empty cell (one group per breakdown, None for the suppressed groups together) to its people;
    ``pairs`` names the pairs of shown groups whose sums show as well."""
    vectors = _vectors(cells, pairs)
    full = Span()
    for vector in vectors.values():
        full = full.plus(vector)
    # A combination touching a cell of k or more is harmless: it must be zero on every such cell.
    zero = Span()
    for cell, size in cells.items():
        if size >= k:
            zero = zero.plus(vectors[cell])
    exposed = sorted(
        ((size, cell, vectors[cell]) for cell, size in cells.items() if 0 < size < k and not zero.holds(vectors[cell])),
        key=lambda e: -e[0],
    )
    return _Search(exposed, full.rank, k, limit).run(0, zero, 0, ())


def _merged(cells: Mapping[tuple[str, ...], int], shown: Sequence[set[str]]) -> dict[Key, int]:
    merged: dict[Key, int] = {}
    for cell, size in cells.items():
        if size:
            key = tuple(group if group in shown[d] else None for d, group in enumerate(cell))
            merged[key] = merged.get(key, 0) + size
    return merged


def shown_groups(
    cells: Mapping[tuple[str, ...], int], dimensions: int, k: int, hidden: Sequence[Iterable[str]] = ()
) -> list[set[str]]:
    """The groups of each breakdown that may show: each of at least k people, and together with the total no
    combination isolating fewer than k. ``hidden`` names groups per breakdown that stay suppressed anyway."""
    sizes: list[dict[str, int]] = [{} for _ in range(dimensions)]
    for cell, size in cells.items():
        for d, group in enumerate(cell):
            sizes[d][group] = sizes[d].get(group, 0) + size
    if sum(cells.values()) < k:
        return [set() for _ in range(dimensions)]
    kept_back = [set(hidden[d]) if d < len(hidden) else set() for d in range(dimensions)]
    shown = [{group for group, size in sizes[d].items() if size >= k} - kept_back[d] for d in range(dimensions)]
    total = sum(cells.values())
    while (found := disclosure(_merged(cells, shown), k)) is not None:
        suppressed = _to_suppress(cells, shown, sizes, total, found, k)
        if suppressed is None:
            break
        shown[suppressed[0]].discard(suppressed[1])
    return shown


def _to_suppress(cells, shown, sizes, total, found, k) -> tuple[int, str] | None:
    """The smallest group whose suppression leaves nothing to disclose; failing that, the smallest group the found
    cells belong to. A group holding every respondent is never the one: it shows nothing the total does not."""
    candidates = sorted(
        (sizes[d][group], d, group) for d in range(len(shown)) for group in shown[d] if sizes[d][group] < total
    )
    for _, d, group in candidates:
        trial = [groups - {group} if i == d else groups for i, groups in enumerate(shown)]
        if disclosure(_merged(cells, trial), k) is None:
            return d, group
    touching = {(d, group) for cell in found for d, group in enumerate(cell) if group is not None}
    return next(
        ((d, group) for _, d, group in candidates if (d, group) in touching),
        next(((d, group) for _, d, group in candidates), None),
    )


def shown_pairs(
    cells: Mapping[tuple[str, ...], int], shown: Sequence[set[str]], candidates: Iterable[Pair], k: int
) -> set[Pair]:
    """The pairs of shown groups whose sums may show beside the groups' own: each of at least k people, and with the
    groups and the total no combination isolating fewer than k. ``cells`` as for ``shown_groups``; ``shown`` the groups
    that show (``shown_groups``), with which nothing is isolated yet.

    The pairs are a nicety beside the breakdowns, so their search is kept short: a few pairs taken out, each the
    smallest that the combination found touches, and where that does not make the rest safe within the shorter
    search, no pair shows."""
    sizes: dict[Pair, int] = {}
    for cell, size in cells.items():
        for pair in candidates:
            d, g, e, h = pair
            if cell[d] == g and cell[e] == h:
                sizes[pair] = sizes.get(pair, 0) + size
    merged = _merged(cells, shown)
    pairs = {pair for pair, size in sizes.items() if size >= k}
    for attempt in range(PAIR_ROUNDS + 1):
        if not pairs or (found := disclosure(merged, k, pairs, PAIR_SEARCH_LIMIT)) is None:
            return pairs
        if attempt == PAIR_ROUNDS:
            break
        ordered = sorted(pairs, key=lambda pair: (sizes[pair], str(pair)))
        touching = next((p for p in ordered if any(c[p[0]] == p[1] and c[p[2]] == p[3] for c in found)), None)
        pairs.discard(touching or ordered[0])
    return set()
