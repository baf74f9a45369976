"""The main reasons for leaving per target group, suppressed so that no combination with the report's other figures
counts fewer than k people.

Each group shown in the breakdowns (gender, age band, tenure band, a self-declared group) gets a table of its
respondents by their main reason for leaving, with those who named none as one more row: a partition of the group's
respondents, whose number the breakdowns show already. Department is not among them: the reports break reasons down
by target group only.

Each table is safe on its own by the rule of every table (``suppression.protect``: a small count is hidden, and with
it enough others that the hidden ones hold at least k people); a reason the report's own reasons table hides is hidden
in every group's. Across tables, a reader who knows everyone's groups can subtract one from another: all who named
workload less the women and the men who did leaves those whose gender is not given. So, per reason, the counts shown
for it are checked together with ``linked.disclosure``, the check the breakdowns pass: the respondents who named the
reason, by their cell of the target groups, as the people, the groups whose count of it shows as the groups shown, and
the report's count of the reason as known even where the report hid it. The same check runs on those who did not name
it, since each group's size is known. Where a check finds a combination counting fewer than k people (and some), one
more count is hidden, until none does. Where the report's own figures already give a count under k (everyone who did
not name the one reason named by nearly all), the tables can add only which groups hold none of those people, as a
zero, which every table may show."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from reports import linked
from reports.suppression import protect

# cell (one group per dimension) -> reason (or sql.NO_REASON) -> respondents.
Cells = Mapping[tuple[str, ...], Mapping[str, int]]
Table = tuple[int, str]  # (dimension index, group)


@dataclass(frozen=True)
class GroupTable:
    """One group's respondents by reason (``counts``, every reason of the report included), and the reasons hidden."""

    dimension: int
    group: str
    counts: dict[str, int]
    respondents: int
    hidden: frozenset[str]


class _Suppression:
    def __init__(
        self, cells: Cells, dimensions: int, shown: Sequence[set[str]], k: int, hidden_overall: set[str]
    ) -> None:
        self.cells, self.dimensions, self.k = cells, dimensions, k
        self.reasons = sorted({r for reasons in cells.values() for r, n in reasons.items() if n})
        self.counts: dict[Table, dict[str, int]] = {}
        for d in range(dimensions):
            for group in shown[d]:
                counts = dict.fromkeys(self.reasons, 0)
                for cell, reasons in cells.items():
                    if cell[d] == group:
                        for reason, n in reasons.items():
                            counts[reason] += n
                if sum(counts.values()) >= k:
                    self.counts[(d, group)] = counts
        # A zero stays visible, as in every table: it says nothing about anyone.
        self.hidden = {table: {r for r in hidden_overall if counts.get(r)} for table, counts in self.counts.items()}

    def _groups(self, reason: str) -> list[set[str]]:
        """Per dimension, the groups whose count of ``reason`` shows."""
        shown: list[set[str]] = [set() for _ in range(self.dimensions)]
        for (d, group), hidden in self.hidden.items():
            if reason not in hidden:
                shown[d].add(group)
        return shown

    def _disclosed(self, reason: str, shown: Sequence[set[str]]) -> tuple | None:
        """Cells a combination of the counts of ``reason`` (or of those who did not name it) isolates, fewer than k
        people; None when there are none beyond what the report's own figures give."""
        weights: list[Callable[[Mapping[str, int]], int]] = [
            lambda reasons: reasons.get(reason, 0),
            lambda reasons: sum(reasons.values()) - reasons.get(reason, 0),
        ]
        nobody: list[set[str]] = [set() for _ in range(self.dimensions)]
        for weight in weights:
            people = {cell: n for cell, reasons in self.cells.items() if (n := weight(reasons))}
            if linked.disclosure(linked._merged(people, nobody), self.k) is not None:
                continue  # fewer than k in all, which the report's own figures give: nothing finer to find
            if (found := linked.disclosure(linked._merged(people, shown), self.k)) is not None:
                return found
        return None

    def _within_tables(self) -> bool:
        """Each table's own suppression, keeping what is hidden already; True when it hid more."""
        changed = False
        for table, counts in self.counts.items():
            cells, _ = protect(counts, sum(counts.values()), self.k, self.hidden[table])
            hidden = {reason for reason, count in cells.items() if count is None}
            if hidden != self.hidden[table]:
                self.hidden[table] = hidden
                changed = True
        return changed

    def _across_tables(self) -> bool:
        """One more count hidden where a combination of tables counts too few; True when it hid one."""
        for reason in self.reasons:
            shown = self._groups(reason)
            if any(shown) and (found := self._disclosed(reason, shown)) is not None:
                self.hidden[self._to_hide(reason, found, shown)].add(reason)
                return True
        return False

    def _to_hide(self, reason: str, found: tuple, shown: list[set[str]]) -> Table:
        """The group with the smallest count whose count hidden leaves nothing to find; failing that, the smallest
        that the found cells belong to; failing that, the smallest."""
        candidates = sorted((self.counts[(d, g)][reason], d, g) for d in range(self.dimensions) for g in shown[d])
        for _, d, group in candidates:
            trial = [groups - {group} if i == d else groups for i, groups in enumerate(shown)]
            if self._disclosed(reason, trial) is None:
                return d, group
        touching = {(d, group) for cell in found for d, group in enumerate(cell) if group is not None}
        first = next(((d, g) for _, d, g in candidates if (d, g) in touching), None)
        return first or (candidates[0][1], candidates[0][2])

    def run(self) -> list[GroupTable]:
        while self._within_tables() or self._across_tables():
            pass
        return [
            GroupTable(
                dimension=d,
                group=group,
                counts=counts,
                respondents=sum(counts.values()),
                hidden=frozenset(self.hidden[(d, group)]),
            )
            for (d, group), counts in sorted(self.counts.items())
        ]


def group_tables(
    cells: Cells, dimensions: int, shown: Sequence[set[str]], k: int, hidden_overall: set[str]
) -> list[GroupTable]:
    """The reasons table of each group in ``shown`` (per dimension, the groups the breakdowns show), with the reasons
    it hides; ``hidden_overall`` names the reasons (and ``sql.NO_REASON``) the report's own figures hide."""
    return _Suppression(cells, dimensions, shown, k, hidden_overall).run()
