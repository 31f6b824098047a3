"""Which cells of a linked table are hidden: primary and complementary suppression.

A table is a matrix X[g, f] of counts of observations. g is a node of the area
tree: Lapland (0), the municipalities (1..M), the postcode areas (the leaves).
f is a node of a phenomenon group: with more than one phenomenon, 0 is the
group total and 1.. are the phenomena (the leaves); a group of one phenomenon
has the single node 0. Every node is the sum of its children in both
dimensions, and every cell is published unless it is hidden.

Primary suppression: a cell with 1..k-1 observations is hidden, and so is a 0
(an outsider cannot tell "nobody" from "a few").

Complementary suppression: a primary cell c with x observations is
*protected* when everything published allows both c = 0 and c >= k-1. We
prove it for each primary cell with two *certificates* made of real
observations, so that non-negativity holds by construction:

- down: move c's x observations to one other (area, phenomenon) leaf outside c,
  or delete them;
- up: add k-1-x observations to a leaf inside c, moved from a leaf in the same
  area or of the same phenomenon that has that many, or created.

Either is a table that differs from the true one only in the cells whose sums
change. If all of them are hidden, the published numbers are the same for both
tables. The cheapest certificate (cost: 1 + value for each cell that would
have to be hidden newly, nothing for already hidden ones) is taken and its
cells hidden; in spirit this is the hypercube method (GHMITER in tau-ARGUS).

A viewer who sees some municipalities exactly (their organisation's) knows
those cells, so each primary cell gets certificates for each such scope too,
none of whose changed cells that scope knows. Hiding only grows and a
certificate stays valid when more cells are hidden, so one pass suffices.
"""
from dataclasses import dataclass
from functools import cached_property

import numpy as np

BIG = 1e12  # cost of changing a cell the viewer knows: never chosen


@dataclass
class AreaTree:
    """Lapland (node 0), municipalities (1..M), postcode areas (M+1..)."""

    municipality: np.ndarray  # node -> municipality node; -1 for Lapland, itself for a municipality
    n_municipalities: int

    @property
    def size(self):
        return len(self.municipality)

    @property
    def leaves(self):
        return np.arange(1 + self.n_municipalities, self.size)

    def level(self, node):
        if node == 0:
            return 0
        return 1 if node <= self.n_municipalities else 2

    @cached_property
    def membership(self):
        """(municipalities x leaves) 0/1 matrix."""
        leaves = self.leaves
        return (self.municipality[leaves][None, :] == np.arange(1, 1 + self.n_municipalities)[:, None]).astype(np.int64)

    def leaves_under(self, node):
        leaves = self.leaves
        if node == 0:
            return leaves
        if self.level(node) == 1:
            return leaves[self.municipality[leaves] == node]
        return np.array([node])

    def ancestors(self, leaf):
        return [leaf, int(self.municipality[leaf]), 0]


def phenomenon_leaves(n_phen_nodes):
    return np.arange(1, n_phen_nodes) if n_phen_nodes > 1 else np.array([0])


def aggregate(tree, leaf_table, n_phen_nodes):
    """A (areas x phenomenon leaves) table -> the full (area nodes x phenomenon nodes) table of sums."""
    full = np.zeros((tree.size, n_phen_nodes), dtype=leaf_table.dtype)
    pl = phenomenon_leaves(n_phen_nodes)
    leaves = tree.leaves
    full[np.ix_(leaves, pl)] = leaf_table
    full[1:1 + tree.n_municipalities, pl] = tree.membership @ leaf_table
    full[0, pl] = leaf_table.sum(axis=0)
    if n_phen_nodes > 1:
        full[:, 0] = full[:, 1:].sum(axis=1)
    return full


def full_table(tree, leaf_table):
    n_phen_nodes = leaf_table.shape[1] + 1 if leaf_table.shape[1] > 1 else 1
    return aggregate(tree, leaf_table, n_phen_nodes)


class _Cell:
    """What the certificates of one primary cell need to know about the table."""

    def __init__(self, X, tree, cell):
        self.X, self.tree = X, tree
        self.u, self.f = cell
        self.F = X.shape[1]
        self.leaves = tree.leaves
        self.pl = phenomenon_leaves(self.F)
        self.under_u = np.isin(self.leaves, tree.leaves_under(self.u))
        self.under_f = (self.pl == self.f) if self.f != 0 else np.ones(len(self.pl), bool)
        self.leaf_X = X[np.ix_(self.leaves, self.pl)]
        self.phen_levels = ["leaf", "total"] if self.F > 1 else ["leaf"]


def _ancestor_cost(c, cost, rows, cols, geo_levels, phen_levels):
    """(len(rows), len(cols)) sums of cost over the chosen ancestors of leaf cells (leaves[rows], pl[cols])."""
    geo = {"leaf": c.leaves[rows], "muni": c.tree.municipality[c.leaves[rows]], "root": np.zeros_like(rows)}
    phen = {"leaf": c.pl[cols], "total": np.zeros_like(cols)}
    total = np.zeros((len(rows), len(cols)))
    for g in geo_levels:
        for p in phen_levels:
            total = total + cost[geo[g][:, None], phen[p][None, :]]
    return total


def _down(c, cost, k):
    """Cheapest (cost, changed cells) that puts c at 0: its observations moved to a leaf outside c, or deleted."""
    x = int(c.X[c.u, c.f])
    inside = np.outer(c.under_u, c.under_f)
    S = np.where(inside, c.leaf_X, 0)
    Sfull = aggregate(c.tree, S, c.F)
    anc = Sfull > 0
    full = anc & (Sfull == x)
    base = cost[anc].sum()
    # Moving to d changes the cells above S except those above d that hold all of S, and the cells above d.
    adjusted = np.where(full, -cost, np.where(anc, 0.0, cost))
    rows, cols = np.arange(len(c.leaves)), np.arange(len(c.pl))
    total = base + _ancestor_cost(c, adjusted, rows, cols, ["leaf", "muni", "root"], c.phen_levels)
    total = np.where(inside, BIG, total)
    i, j = np.unravel_index(np.argmin(total), total.shape)
    if total[i, j] >= base:
        return base, anc  # deleting them is as cheap
    put = np.zeros_like(S)
    put[i, j] = x
    return float(total[i, j]), aggregate(c.tree, put - S, c.F) != 0


def _up(c, cost, k):
    """Cheapest (cost, changed cells) that puts c at k-1 or more: k-1-x observations added to a leaf inside c,
    created, or moved from another phenomenon of the same area, or from the same phenomenon of another area."""
    y = k - 1 - int(c.X[c.u, c.f])
    if y <= 0:
        return 0.0, np.zeros(cost.shape, dtype=bool)
    all_geo = ["leaf", "muni", "root"]
    t_rows, t_cols = np.flatnonzero(c.under_u), np.flatnonzero(c.under_f)
    created = _ancestor_cost(c, cost, t_rows, t_cols, all_geo, c.phen_levels)
    i, j = np.unravel_index(np.argmin(created), created.shape)
    best_cost, best = float(created[i, j]), (t_rows[i], t_cols[j], None)
    s_cols = np.flatnonzero(~c.under_f)
    if c.F > 1 and len(s_cols):
        target = _ancestor_cost(c, cost, t_rows, t_cols, all_geo, ["leaf"])
        source = _ancestor_cost(c, cost, t_rows, s_cols, all_geo, ["leaf"])
        source = np.where(c.leaf_X[np.ix_(t_rows, s_cols)] >= y, source, BIG)
        total = target[:, :, None] + source[:, None, :]
        i, j, q = np.unravel_index(np.argmin(total), total.shape)
        if total[i, j, q] < best_cost:
            best_cost, best = float(total[i, j, q]), (t_rows[i], t_cols[j], (t_rows[i], s_cols[q]))
    s_rows = np.flatnonzero(~c.under_u)
    if len(s_rows):
        munis = c.tree.municipality[c.leaves]
        near = _ancestor_cost(c, cost, np.concatenate([t_rows, s_rows]), t_cols, ["leaf"], c.phen_levels)
        far = _ancestor_cost(c, cost, np.concatenate([t_rows, s_rows]), t_cols, ["leaf", "muni"], c.phen_levels)
        n_t = len(t_rows)
        same = munis[t_rows][:, None] == munis[s_rows][None, :]  # (t_rows, s_rows)
        total = np.where(
            same[:, :, None],
            near[:n_t][:, None, :] + near[n_t:][None, :, :],
            far[:n_t][:, None, :] + far[n_t:][None, :, :],
        )  # (t_rows, s_rows, t_cols)
        enough = c.leaf_X[np.ix_(s_rows, t_cols)] >= y
        total = np.where(enough[None, :, :], total, BIG)
        i, q, j = np.unravel_index(np.argmin(total), total.shape)
        if total[i, q, j] < best_cost:
            best_cost, best = float(total[i, q, j]), (t_rows[i], t_cols[j], (s_rows[q], t_cols[j]))
    ti, tj, source = best
    put = np.zeros_like(c.leaf_X)
    put[ti, tj] += y
    if source is not None:
        put[source] -= y
    return best_cost, aggregate(c.tree, put, c.F) != 0


def cell_cost(X, hidden, known):
    cost = np.where(hidden, 0.0, 1.0 + X)
    return np.where(known[:, None], BIG, cost)


def protect(X, tree, k, known_scopes, complementary=True):
    """Boolean mask of hidden cells of X (area nodes x phenomenon nodes).

    known_scopes: boolean arrays over area nodes, one per kind of viewer: the
    anonymous viewer knows nothing, an organisation's members know their
    municipalities and their areas."""
    X = np.asarray(X)
    hidden = X < k
    if not complementary:
        return hidden
    primary = np.argwhere((X > 0) & (X < k))
    order = sorted(primary.tolist(), key=lambda c: (tree.level(c[0]), c[1] != 0, X[c[0], c[1]]))
    for u, f in order:
        cell = _Cell(X, tree, (u, f))
        found = {"down": [], "up": []}
        for known in known_scopes:
            if known[u] or (u == 0 and known.any()):
                continue  # known, or partly known: the unknown part is made of municipality cells
            for name, certificate in (("down", _down), ("up", _up)):
                if any(not (changed & known[:, None]).any() for changed in found[name]):
                    continue  # a certificate found for another viewer holds for this one too
                cost, changed = certificate(cell, cell_cost(X, hidden, known), k)
                if cost >= BIG / 2:
                    hidden[:, :] = True  # nothing smaller protects it
                    return hidden
                hidden |= changed
                found[name].append(changed)
    return hidden
