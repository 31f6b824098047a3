"""The suppression rule on its own (geo_indi/publication/protection.py) and the tables built from PostGIS.

Hand-computed cases, then a property test: on random tables, LP bounds (scipy HiGHS) of every hidden small
cell, given every shown cell and what a member of an organisation knows, include 0 and k-1.
"""
import datetime as dt

import numpy as np
import pytest
from scipy.optimize import linprog

from geo_indi.areas.models import PostcodeArea
from geo_indi.publication.protection import AreaTree, full_table, protect
from geo_indi.publication.tables import year_tables

from .conftest import INSIDE_ALFA

K = 5


def tree_of(areas_per_municipality):
    municipality = [-1] + [1 + m for m in range(len(areas_per_municipality))]
    for m, n in enumerate(areas_per_municipality):
        municipality += [1 + m] * n
    return AreaTree(np.array(municipality), len(areas_per_municipality))


def test_a_lone_small_area_takes_its_cheapest_partner_with_it():
    """One municipality, areas A 2, B 9, C 30; one phenomenon (a group of one: a single column).
    A's 2 can only move to B or C: B is cheaper (1 + 9 < 1 + 30); the municipality and Lapland stay shown."""
    tree = tree_of([3])
    X = full_table(tree, np.array([[2], [9], [30]]))
    hidden = protect(X, tree, K, [np.zeros(tree.size, bool)])
    assert hidden[:, 0].tolist() == [False, False, True, True, False]


def test_zeros_are_hidden_but_need_no_protection():
    tree = tree_of([2])
    X = full_table(tree, np.array([[0], [12]]))
    hidden = protect(X, tree, K, [np.zeros(tree.size, bool)])
    assert hidden[:, 0].tolist() == [False, False, True, False]


def test_a_member_who_knows_the_partner_makes_another_partner_hidden():
    """Three municipalities of one area each: 320 has 2, 698 9, 742 9 (Lapland 20).
    Anonymous: moving 320's 2 to 698's area changes 698 and its area (cost 10 + 10), less than deleting
    them, which changes Lapland (21): 698 is hidden, and moving them back is then free.
    A member of 698 knows 698: for them the move has to go to 742, which is hidden too."""
    tree = tree_of([1, 1, 1])
    X = full_table(tree, np.array([[2], [9], [9]]))
    anonymous = np.zeros(tree.size, bool)
    assert protect(X, tree, K, [anonymous])[:, 0].tolist() == [False, True, True, False, True, True, False]
    knows_698 = tree.municipality == 2
    assert protect(X, tree, K, [anonymous, knows_698])[:, 0].tolist() == [False, True, True, True, True, True, True]


def lp_bounds(tree, leaf, hidden, known, cell):
    """(min, max) of a cell over non-negative leaf tables that agree with every shown or known cell."""
    n_areas, n_phen = leaf.shape
    F = hidden.shape[1]

    def indicator(g, f):
        m = np.zeros((n_areas, n_phen))
        under = np.isin(tree.leaves, tree.leaves_under(g))
        if F == 1 or f == 0:
            m[under, :] = 1
        else:
            m[under, f - 1] = 1
        return m.ravel()

    X = full_table(tree, leaf)
    rows = [indicator(g, f) for g in range(tree.size) for f in range(F) if not hidden[g, f] or known[g]]
    values = [X[g, f] for g in range(tree.size) for f in range(F) if not hidden[g, f] or known[g]]
    A = np.array(rows).reshape(len(rows), n_areas * n_phen)
    c = indicator(*cell)
    low = linprog(c, A_eq=A, b_eq=values, bounds=(0, None), method="highs")
    high = linprog(-c, A_eq=A, b_eq=values, bounds=(0, None), method="highs")
    return low.fun, (np.inf if high.status == 3 else -high.fun)


def test_random_tables_leave_every_small_cell_between_0_and_k_minus_1():
    checked = 0
    for seed in range(150):
        rng = np.random.default_rng(seed)
        tree = tree_of([int(n) for n in rng.integers(1, 5, size=rng.integers(1, 4))])
        leaf = rng.choice([0, 0, 0, 1, 2, 3, 4, 5, 7, 12], size=(len(tree.leaves), int(rng.integers(1, 4))))
        X = full_table(tree, leaf)
        scopes = [np.zeros(tree.size, bool)]
        for m in range(1, tree.n_municipalities + 1):
            scopes.append(tree.municipality == m)
        if tree.n_municipalities == 1:
            scopes = scopes[:1]
        hidden = protect(X, tree, K, scopes)
        for known in scopes:
            for g, f in np.argwhere((X > 0) & (X < K)):
                if known[g] or (g == 0 and known.any()):
                    continue
                low, high = lp_bounds(tree, leaf, hidden, known, (g, f))
                assert low < 1e-6 and high >= K - 1 - 1e-6, (seed, g, f, X[g, f], low, high)
                checked += 1
    assert checked > 300


def test_year_tables_count_in_postgis_by_area_and_phenomenon(record, phenomena, settings):
    settings.SUPPRESSION_K = K
    for _ in range(3):
        record(*INSIDE_ALFA, observed_on=dt.date(2025, 5, 1))
    record(*INSIDE_ALFA, subject="object", phenomenon="ilkivalta", observed_on=dt.date(2025, 6, 1))
    record(*INSIDE_ALFA, observed_on=dt.date(2024, 5, 1))
    tables = year_tables(2025)
    public = tables.structure.public_group
    table = tables.table_of(public)
    alfa = tables.structure.node_of_area(PostcodeArea.objects.get(postcode="99001").id)
    loneliness = public.node_of(phenomena["yksinaisyys"].id)
    vandalism = public.node_of(phenomena["ilkivalta"].id)
    assert table.persons[alfa, loneliness] == 3 and table.persons[0, 0] == 3  # 2024's one is another table
    assert table.objects[alfa, vandalism] == 1
    assert table.hidden[alfa, loneliness] and table.hidden[0, 0]


@pytest.mark.parametrize("k", [3, 5])
def test_the_tables_follow_the_threshold(record, phenomena, settings, k):
    settings.SUPPRESSION_K = k
    for _ in range(4):
        record(*INSIDE_ALFA, observed_on=dt.date(2025, 5, 1))
    tables = year_tables(2025)
    assert bool(tables.table_of(tables.structure.public_group).hidden[0, 0]) is (4 < k)


def test_real_lapland_tables_pass_the_lp_check(lapland_geography, phenomena):
    """The 278 real postcode areas, 12 phenomena, about 2,000 people a year with skewed counts, the anonymous
    viewer and three organisations: every small cell of a sample stays between 0 and k-1 by LP."""
    from geo_indi.publication.tables import structure

    tree = structure().tree
    rng = np.random.default_rng(12)
    leaf = rng.poisson(0.6 * rng.gamma(1.0, 1.0, size=(len(tree.leaves), 1)), size=(len(tree.leaves), 12))
    X = full_table(tree, leaf)
    scopes = [np.zeros(tree.size, bool)]
    for municipalities in ([1], [2, 3, 4], list(range(5, 12))):
        scopes.append(np.isin(tree.municipality, municipalities))
    hidden = protect(X, tree, K, scopes)
    primary = [tuple(c) for c in np.argwhere((X > 0) & (X < K))]
    sample = [primary[i] for i in rng.choice(len(primary), size=min(120, len(primary)), replace=False)]
    for known in scopes:
        for g, f in sample:
            if known[g] or (g == 0 and known.any()):
                continue
            low, high = lp_bounds(tree, leaf, hidden, known, (g, f))
            assert low < 1e-6 and high >= K - 1 - 1e-6, (g, f, X[g, f], low, high)


def test_small_municipality_phenomenon_cells_leave_the_municipality_totals_shown():
    """Shaped like the demo: five municipalities of 6..20 postcode areas holding 0..8 people each, two common
    and three rare phenomena, so many municipality x phenomenon cells are 1..4 while the municipality totals
    are 19..98. The 2x2 (hypercube) moves protect the small cells without the municipality totals or the
    Lapland total (before them every municipality total was hidden); the LP check holds for every small cell."""
    rng = np.random.default_rng(4)
    tree = tree_of([6, 8, 10, 12, 20])
    leaf = np.array([rng.multinomial(rng.integers(2, 9) if tree.municipality[node] == 5 else rng.integers(0, 6),
                                     [0.4, 0.35, 0.02, 0.2, 0.03]) for node in tree.leaves])
    X = full_table(tree, leaf)
    small_municipality_cells = ((X[1:6, 1:] > 0) & (X[1:6, 1:] < K)).sum()
    assert small_municipality_cells >= 5 and X[1:6, 0].min() >= 19
    anonymous = np.zeros(tree.size, bool)
    hidden = protect(X, tree, K, [anonymous])
    assert not hidden[:6, 0].any()
    for g, f in np.argwhere((X > 0) & (X < K)):
        low, high = lp_bounds(tree, leaf, hidden, anonymous, (g, f))
        assert low < 1e-6 and high >= K - 1 - 1e-6, (g, f, X[g, f], low, high)
