"""Enterprise person IDs that last: a new grouping of records is given the IDs the old one had.

Each person ID goes to the new group holding most of its records (the largest share first, the
older ID on a tie), and each group takes at most one ID. So:

- re-running on the same data changes no ID;
- when persons merge, the one with most records in the merged group survives, and the others
  are recorded as merged into it;
- when a person splits, the larger part keeps the ID and the rest get new ones;
- a new record joining a person leaves its ID as it was.

Record keys are the index's record numbers; person IDs sort in the order they were issued.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field


@dataclass
class Reconciled:
    person_of: dict[int, str]  # every record's person after the change
    created: dict[str, frozenset[int]] = field(default_factory=dict)
    split_from: dict[str, str] = field(default_factory=dict)  # new ID -> the person it left
    merged_into: dict[str, str] = field(default_factory=dict)  # old ID -> the survivor
    added: list[tuple[int, str]] = field(default_factory=list)  # a new record, its person
    moved: list[tuple[int, str, str]] = field(default_factory=list)  # record, from, to

    @property
    def changed(self) -> bool:
        return bool(self.created or self.merged_into or self.added or self.moved)


def reconcile(
    groups: list[frozenset[int]],
    previous: Mapping[int, str],
    new_id: Callable[[], str],
) -> Reconciled:
    """The person of every record in ``groups``, given each known record's ``previous`` person.

    Every record of a person named in ``previous`` must be in ``groups`` (the caller regroups
    whole persons), so an ID never ends up split between a regrouped and an untouched part.
    """
    ordered = sorted(groups, key=min)
    shares: list[tuple[int, str, int]] = []
    for index, group in enumerate(ordered):
        counts = Counter(previous[r] for r in group if r in previous)
        shares += [(-count, person, index) for person, count in counts.items()]
    owner: dict[int, str] = {}
    taken: set[str] = set()
    for _count, person, index in sorted(shares):
        if index not in owner and person not in taken:
            owner[index] = person
            taken.add(person)
    result = Reconciled(person_of={})
    for index, group in enumerate(ordered):
        if index not in owner:
            owner[index] = new_id()
            result.created[owner[index]] = group
            counts = Counter(previous[r] for r in group if r in previous)
            if counts:
                result.split_from[owner[index]] = min(counts, key=lambda p: (-counts[p], p))
        for record in group:
            result.person_of[record] = owner[index]
    surviving = set(owner.values())
    went: dict[str, Counter[str]] = {}
    for record, person in previous.items():
        went.setdefault(person, Counter())[result.person_of[record]] += 1
    for person, destinations in sorted(went.items()):
        if person not in surviving:
            result.merged_into[person] = min(destinations, key=lambda p: (-destinations[p], p))
    for record in sorted(result.person_of):
        now = result.person_of[record]
        before = previous.get(record)
        if before is None:
            if now not in result.created:
                result.added.append((record, now))
        elif before != now and before not in result.merged_into:
            result.moved.append((record, before, now))
    return result
