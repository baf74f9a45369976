"""Small-group suppression, so that no figure in a report rests on fewer than k respondents.

A count below k is hidden (primary suppression). Where cells add up to a total that is shown,
one hidden cell could be recovered by subtraction; so more cells are hidden (complementary
suppression) until at least two are hidden and together they hold at least k people. Zero cells
stay visible: they say nothing about anyone. ``None`` marks a hidden value."""

from collections.abc import Iterable, Mapping

Shown = dict[str, int | None]


def is_small(count: int, k: int) -> bool:
    return 0 < count < k


def suppress_small(counts: Mapping[str, int], k: int) -> Shown:
    """For cells that do not add up to a shown total (several answers per respondent)."""
    return {key: None if is_small(value, k) else value for key, value in counts.items()}


def all_or_nothing(counts: Mapping[str, int], k: int) -> Shown:
    """For a distribution shown beside its mean: the mean gives one more equation, so a partial
    distribution could be solved; either every cell shows or none does."""
    if any(is_small(value, k) for value in counts.values()):
        return dict.fromkeys(counts)
    return dict(counts)


def protect(counts: Mapping[str, int], total: int, k: int, hide: Iterable[str] = ()) -> tuple[Shown, int | None]:
    """Cells that partition ``total``: primary and complementary suppression. Returns (cells, total).

    ``hide`` names cells to suppress whatever their size, because another figure would reveal a small
    count from them by subtraction."""
    if is_small(total, k):
        return dict.fromkeys(counts), None
    hidden = {key for key, value in counts.items() if is_small(value, k)} | set(hide)
    while hidden and (len(hidden) < 2 or sum(counts[key] for key in hidden) < k):
        candidates = sorted((value, key) for key, value in counts.items() if key not in hidden and value > 0)
        if not candidates:
            # Cannot happen while total >= k, but never fall back to showing a derivable cell.
            return dict.fromkeys(counts), None
        hidden.add(candidates[0][1])
    return {key: None if key in hidden else value for key, value in counts.items()}, total


def mean_if_enough(mean: float | None, respondents: int, k: int) -> float | None:
    return None if mean is None or respondents < k else round(float(mean), 2)
