"""The attacker's side of the disclosure audit: everything a viewer obtained, as linear constraints.

Unknowns are the viewer's view of the person counts x[year, postcode area,
phenomenon] >= 0. Each published number is an equation over a cell (a year,
a set of areas, a set of phenomena, a subject): persons, objects, or both;
object counts are known exactly from the object-points layer. A hidden
number is a cell to check. For each hidden cell whose true person count is
1..k-1, linear programming (scipy linprog, HiGHS) gives the tightest bounds
all equations allow; the cell is protected when they include 0 and k-1.

The same holds for occurrences (the cases each record counts, 1-999): a
Knowledge of occurrence sums has the occurrences as its truth, the object
points' occurrences as the exactly known part, and checks the cells whose
*records* are 1..k-1 (`records`, the cells the rule hides): their hidden
occurrence sums must also allow 0 and k-1.

Two releases of one year (the pair rule): `parts` says which "years" a label
sums. The first release's cells are over YEAR, the change between the releases
is a year of its own (CHANGE, YEAR) with its truth (the observations added),
and the second release's cells, labelled (AFTER, YEAR), are the sum of both; a
hidden change cell with 1..k-1 records must allow 0 and k-1 like any other.
"""
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

ALL, PERSON, OBJECT = None, "person", "object"
CHANGE, AFTER = "change", "after"  # the labels of a pair of releases (see the module's docstring)


def pair_parts(years):
    """`parts` for two releases of each year: (AFTER, y) sums y and (CHANGE, y)."""
    return {(AFTER, y): (y, (CHANGE, y)) for y in years}


@dataclass(frozen=True)
class Cell:
    year: int
    areas: frozenset
    phenomena: frozenset


@dataclass
class Violation:
    cell: Cell
    truth: int
    low: float
    high: float
    source: str


class Knowledge:
    def __init__(self, truth_persons, truth_objects, k, records=None, parts=None):
        """truth_*: {(year, area id, phenomenon id): n} — the database, used only to grade the result;
        records: the person records of the cells when the truth is occurrences (which cells must be protected);
        parts: {label: years it sums} (pair_parts), every other year is itself."""
        self.truth_persons, self.truth_objects, self.k = truth_persons, truth_objects, k
        self.parts = parts or {}
        self.records = truth_persons if records is None else records
        self.objects = defaultdict(int)  # what the object-points layer gave the viewer
        self.known_areas = set()
        self.equations = {}  # Cell -> person count
        self.hidden = {}  # Cell -> where it was seen
        self.contradictions = []

    def see_object_points(self, points, weights=None):
        """points: [(year, area id, phenomenon id)] — one per object observation the points layer returned;
        weights: what each counts (its occurrences), 1 each by default."""
        for key, weight in zip(points, weights or [1] * len(points)):
            self.objects[key] += weight

    def knows_exactly(self, area_ids):
        """A member's own municipalities: every count there is exact to them."""
        self.known_areas |= set(area_ids)

    def years(self, year):
        return self.parts.get(year, (year,))

    def _sum(self, table, cell):
        years = self.years(cell.year)
        return sum(n for (y, a, p), n in table.items() if y in years and a in cell.areas and p in cell.phenomena)

    def publish(self, year, areas, phenomena, subject, value, source):
        cell = Cell(year, frozenset(areas), frozenset(phenomena))
        if not cell.areas or not cell.phenomena:
            return
        if value is None:
            if subject != OBJECT:
                self.hidden.setdefault(cell, source)
            return
        objects = self._sum(self.objects, cell)
        if subject == OBJECT:
            if value != objects:
                self.contradictions.append((cell, value, objects, source))
            return
        persons = value - (objects if subject is ALL else 0)
        previous = self.equations.setdefault(cell, persons)
        if previous != persons:
            self.contradictions.append((cell, previous, persons, source))

    def must_protect(self, year, areas, phenomena):
        """A cell of the tables that must stay protected whether or not an output showed it as hidden."""
        cell = Cell(year, frozenset(areas), frozenset(phenomena))
        if cell.areas and cell.phenomena:
            self.hidden.setdefault(cell, "a cell of the tables")

    def violations(self):
        variables = sorted({(y, a, p) for c in list(self.equations) + list(self.hidden) for y in self.years(c.year)
                            for a in c.areas for p in c.phenomena}
                           | {(y, a, p) for (y, a, p) in self.truth_persons if a in self.known_areas}, key=repr)
        index = {v: i for i, v in enumerate(variables)}

        def row(cell):
            r = np.zeros(len(variables))
            for y in self.years(cell.year):
                for a in cell.areas:
                    for p in cell.phenomena:
                        r[index[(y, a, p)]] = 1
            return r

        rows, values = [], []
        for cell, persons in self.equations.items():
            rows.append(row(cell))
            values.append(persons)
        for (y, a, p), i in index.items():
            if a in self.known_areas:
                r = np.zeros(len(variables))
                r[i] = 1
                rows.append(r)
                values.append(self.truth_persons.get((y, a, p), 0))
        A = np.array(rows).reshape(len(rows), len(variables))
        b = np.array(values, dtype=float)
        found = []
        for cell, source in self.hidden.items():
            if cell.areas & self.known_areas:
                continue  # (partly) known to this viewer: its unknown part is checked through smaller cells
            truth = self._sum(self.truth_persons, cell)
            if not 0 < self._sum(self.records, cell) < self.k:
                continue
            if cell in self.equations:
                found.append(Violation(cell, truth, self.equations[cell], self.equations[cell], source))
                continue
            c = row(cell)
            low = linprog(c, A_eq=A, b_eq=b, bounds=(0, None), method="highs")
            high = linprog(-c, A_eq=A, b_eq=b, bounds=(0, None), method="highs")
            assert low.status == 0 and high.status in (0, 3), (low.message, high.message)
            lo = low.fun
            hi = np.inf if high.status == 3 else -high.fun
            if lo > 1e-6 or hi < self.k - 1 - 1e-6:
                found.append(Violation(cell, truth, lo, hi, source))
        return found
