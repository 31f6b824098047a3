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
  area or of the same phenomenon that has that many, from several leaves of
  the same municipality (a postcode-area cell), or created;
- 2x2, both ways (the hypercube move of GHMITER in tau-ARGUS), for a cell
  (area a, phenomenon f) with a a municipality or a postcode area and f a
  phenomenon leaf: move observations between f and another phenomenon f2
  inside c's municipality (down: within c's own leaves; up: into c), and as
  many the other way in leaves b outside c, all in one municipality: c's
  own, or a sibling whose (municipality, f) and (municipality, f2) cells
  change opposite to those of c's municipality. No municipality total,
  phenomenon total of Lapland or Lapland total changes.

Either is a table that differs from the true one only in the cells whose sums
change, and every observation moved comes from a leaf that holds it, so it is
non-negative. If all changed cells are hidden, the published numbers are the
same for both tables. The cheapest certificate of all kinds (cost: 1 + value
for each cell that would have to be hidden newly, nothing for already hidden
ones, BIG for a cell the viewer knows) is taken and its cells hidden. Where
several leaves give observations they are picked greedily, cheapest per
observation first: that may hide more than needed, never too little.

A viewer who sees some municipalities exactly (their organisation's) knows
those cells, so each primary cell gets certificates for each such scope too,
none of whose changed cells that scope knows. Hiding only grows and a
certificate stays valid when more cells are hidden, so one pass suffices.
"""
from dataclasses import dataclass

import numpy as np

BIG = 1e12  # cost of changing a cell the viewer knows: never chosen
# Totals (Lapland, municipalities) are what readers use most: a certificate hides any number of leaves
# and phenomenon cells before it hides one (docs/privacy.md, "Which cells are hidden"). Far below BIG.
TOTAL_WEIGHT = 1e4


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
    # Summed by each leaf's municipality: a dense (municipalities x leaves) product took 30 times longer nationally.
    munis = np.zeros((tree.n_municipalities, len(pl)), dtype=leaf_table.dtype)
    np.add.at(munis, tree.municipality[leaves] - 1, leaf_table)
    full[1:1 + tree.n_municipalities, pl] = munis
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


def _cover(w, v, groups, need, n_groups):
    """Greedy cover: in each group, candidates by cost per observation until their capacities v reach need.

    w, v, groups: 1-d arrays over candidates (v > 0). Returns (cost per group, BIG where the group holds
    too little; observations taken from each candidate)."""
    order = np.lexsort((w / v, groups))
    ws, vs, gs = w[order], v[order], groups[order]
    csum = np.cumsum(vs)
    start = np.searchsorted(gs, gs)
    before = csum - vs - (csum[start] - vs[start])  # observations of the group taken before this one
    take = np.clip(need - before, 0, vs)
    cost = np.bincount(gs, weights=np.where(take > 0, ws, 0.0), minlength=n_groups)
    got = np.bincount(gs, weights=take, minlength=n_groups)
    taken = np.zeros(len(order), dtype=v.dtype)
    taken[order] = take
    return np.where(got >= need, cost, BIG), taken


def _hypercube(c, cost, amount, up):
    """Cheapest 2x2 move that puts c at 0 (down) or adds amount to it (up), or None.

    Down: c's observations move to phenomenon f2 in their own leaves, and as many move back from f2 to
    c's phenomenon f in leaves b outside c. Up: amount moves from f2 to f (from leaves a inside c's
    municipality into c), and back from f to f2 in leaves b outside c. All b lie in one municipality:
    c's own, or another, whose (municipality, f) and (municipality, f2) cells change as much as those of
    c's municipality in the other direction. No municipality total, group total or Lapland cell changes.
    Each observation moved is taken from a leaf cell that holds it (greedily, cheapest per observation
    first), so the table stays non-negative. The cost returned is that of the cells that change."""
    if c.F == 1 or c.f == 0 or c.u == 0:
        return None
    muni_cell = c.tree.level(c.u) == 1
    munis = c.tree.municipality[c.leaves]
    m = c.u if muni_cell else int(c.tree.municipality[c.u])
    rows = np.flatnonzero(~c.under_u)
    if not len(rows):
        return None
    P, M = len(c.pl), c.tree.n_municipalities
    fj = int(np.flatnonzero(c.pl == c.f)[0])
    cols = np.arange(P)
    if up:
        # a gives f2 observations: to its own f inside a municipality cell, to c's f for a postcode-area cell
        a_rows = np.flatnonzero(munis == m)
        a_nodes = c.leaves[a_rows]
        if muni_cell:
            w = cost[a_nodes, c.f][:, None] + cost[a_nodes][:, c.pl]
            own = 0.0
        else:
            w = cost[a_nodes][:, c.pl] + np.where(a_nodes != c.u, cost[a_nodes, 0], 0.0)[:, None]
            own = cost[c.u, c.f] + cost[c.u, 0]
        ok = (c.leaf_X[a_rows] > 0) & (cols != fj)[None, :]
        ai, aj = np.nonzero(ok)
        a_cost, a_take = _cover(w[ai, aj], c.leaf_X[a_rows][ai, aj], aj, amount, P)
        own = own + a_cost
    else:
        src = np.flatnonzero(c.under_u & (c.leaf_X[:, fj] > 0))  # the leaves that hold c's observations
        s_nodes = c.leaves[src]
        own = cost[s_nodes, c.f].sum() + cost[s_nodes][:, c.pl].sum(axis=0)
    # b: grouped by (municipality, f2)
    b_nodes = c.leaves[rows]
    w = cost[b_nodes, c.f][:, None] + cost[b_nodes][:, c.pl]
    v = np.repeat(c.leaf_X[rows, fj][:, None], P, axis=1) if up else c.leaf_X[rows]
    ok = (v > 0) & (cols != fj)[None, :]
    bi, bj = np.nonzero(ok)
    groups = (munis[rows][bi] - 1) * P + bj
    other, other_take = _cover(w[bi, bj], v[bi, bj], groups, amount, M * P)
    m_nodes = np.arange(1, 1 + M)
    crossing = cost[m_nodes, c.f][:, None] + cost[m_nodes][:, c.pl] + cost[m, c.f] + cost[m, c.pl][None, :]
    other = other.reshape(M, P) + np.where((m_nodes != m)[:, None], crossing, 0.0)
    total = own[None, :] + other
    total[:, fj] = BIG
    g, j = np.unravel_index(np.argmin(total), total.shape)
    if total[g, j] >= BIG / 2:
        return None
    put = np.zeros_like(c.leaf_X)
    mine = groups == g * P + j
    b_take = np.zeros(len(rows), dtype=c.leaf_X.dtype)
    np.add.at(b_take, bi[mine], other_take[mine].astype(c.leaf_X.dtype))
    sign = 1 if up else -1  # up: f -> f2 in b; down: f2 -> f in b
    put[rows, fj] -= sign * b_take
    put[rows, j] += sign * b_take
    if up:
        a_taken = np.zeros(len(a_rows), dtype=c.leaf_X.dtype)
        mine = aj == j
        np.add.at(a_taken, ai[mine], a_take[mine].astype(c.leaf_X.dtype))
        put[a_rows, j] -= a_taken
        if muni_cell:
            put[a_rows, fj] += a_taken
        else:
            put[np.flatnonzero(c.under_u)[0], fj] += amount
    else:
        put[src, j] += c.leaf_X[src, fj]
        put[src, fj] -= c.leaf_X[src, fj]
    changed = aggregate(c.tree, put, c.F) != 0
    return float(cost[changed].sum()), changed


def _gather_up(c, cost, y):
    """Cheapest one-way up move of a postcode-area cell whose y observations come from several other leaves
    of the same municipality (each giving at most what it holds), or None. Only the leaves change."""
    if c.tree.level(c.u) != 2:
        return None
    munis = c.tree.municipality[c.leaves]
    rows = np.flatnonzero((munis == c.tree.municipality[c.u]) & ~c.under_u)
    t_row, t_cols = int(np.flatnonzero(c.under_u)[0]), np.flatnonzero(c.under_f)
    if not len(rows):
        return None
    target = _ancestor_cost(c, cost, np.array([t_row]), t_cols, ["leaf"], c.phen_levels)[0]
    w = _ancestor_cost(c, cost, rows, t_cols, ["leaf"], c.phen_levels)
    v = c.leaf_X[np.ix_(rows, t_cols)]
    bi, bj = np.nonzero(v > 0)
    taken_cost, take = _cover(w[bi, bj], v[bi, bj], bj, y, len(t_cols))
    total = target + taken_cost
    j = int(np.argmin(total))
    if total[j] >= BIG / 2:
        return None
    put = np.zeros_like(c.leaf_X)
    put[t_row, t_cols[j]] += y
    mine = bj == j
    np.subtract.at(put, (rows[bi[mine]], t_cols[j]), take[mine].astype(put.dtype))
    return float(total[j]), aggregate(c.tree, put, c.F) != 0


def _gather_other_phenomena(c, cost, y):
    """Cheapest one-way up move of an (area, phenomenon) cell whose y observations come from several leaf cells
    of its municipality, each giving at most what it holds, or None: other phenomena of the area's leaves,
    and for a postcode-area cell also any phenomenon of the municipality's other leaves. The municipality's
    total stays as it is; the cells above the leaves that give or take change."""
    leaf_cell = c.tree.level(c.u) == 2
    if c.F == 1 or c.u == 0 or (c.f == 0 and not leaf_cell):
        return None
    t_rows = np.flatnonzero(c.under_u)
    m_of = c.tree.municipality[c.leaves]
    # A phenomenon cell takes into its own phenomenon; an area's total into its cheapest phenomenon.
    targets = [c.f] if c.f != 0 else list(c.pl)
    target_cost = np.array([[cost[n, f] + cost[n, 0] + cost[m_of[r], f] + cost[0, f] for f in targets]
                            for r, n in zip(t_rows, c.leaves[t_rows])])
    ti, fi = np.unravel_index(np.argmin(target_cost), target_cost.shape)
    t, f_target = int(t_rows[ti]), int(targets[fi])
    fj = int(np.flatnonzero(c.pl == f_target)[0])
    source_rows = t_rows if c.tree.level(c.u) == 1 else np.flatnonzero(m_of == m_of[t])
    rows, cols = np.nonzero(c.leaf_X[source_rows] > 0)
    rows = source_rows[rows]
    keep = ((c.pl[cols] != c.f) & (c.f != 0)) | ~c.under_u[rows]
    rows, cols = rows[keep], cols[keep]
    if not len(rows):
        return None
    nodes, phen = c.leaves[rows], c.pl[cols]
    w = (cost[nodes, phen] + np.where(rows != t, cost[nodes, 0], 0.0)
         + np.where(phen != f_target, cost[m_of[rows], phen] + cost[0, phen], 0.0))
    got, take = _cover(w, c.leaf_X[rows, cols].astype(float), np.zeros(len(rows), dtype=np.int64), y, 1)
    if got[0] >= BIG / 2:
        return None
    put = np.zeros_like(c.leaf_X)
    np.subtract.at(put, (rows, cols), take.astype(put.dtype))
    put[t, fj] += y
    changed = aggregate(c.tree, put, c.F) != 0
    return float(cost[changed].sum()), changed


def _cheapest(found, hypercube):
    return hypercube if hypercube is not None and hypercube[0] < found[0] else found


def _down(c, cost, k):
    """Cheapest (cost, changed cells) that puts c at 0: its observations moved to a leaf outside c, or deleted,
    or a 2x2 move (_hypercube)."""
    return _cheapest(_down_one_way(c, cost), _hypercube(c, cost, int(c.X[c.u, c.f]), up=False))


def _down_one_way(c, cost):
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
    created, or moved from another phenomenon of the same area, or from the same phenomenon of another area
    (for a postcode-area cell also from several leaves of its municipality, _gather_up), from several other
    phenomena of the area's leaves (_gather_other_phenomena), or a 2x2 move (_hypercube)."""
    y = k - 1 - int(c.X[c.u, c.f])
    if y <= 0:
        return 0.0, np.zeros(cost.shape, dtype=bool)
    found = _cheapest(_cheapest(_up_one_way(c, cost, y), _gather_up(c, cost, y)), _hypercube(c, cost, y, up=True))
    return _cheapest(found, _gather_other_phenomena(c, cost, y))


def _up_one_way(c, cost, y):
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


def total_weight(tree, n_phen_nodes):
    """How much more hiding a cell costs than its 1 + value: TOTAL_WEIGHT for the totals readers need most
    (Lapland's and the municipalities' group totals), 1 for every other cell (a phenomenon's Lapland cell
    too: hiding it costs no total, where a rare phenomenon leaves no other partner)."""
    weight = np.ones((tree.size, n_phen_nodes))
    weight[:1 + tree.n_municipalities, 0] = TOTAL_WEIGHT
    return weight


def cell_cost(X, hidden, known, weight=1.0):
    """What hiding each cell costs a certificate: nothing when hidden already, BIG when the viewer knows it,
    else (1 + value) x its weight (total_weight)."""
    cost = np.where(hidden, 0.0, (1.0 + X) * weight)
    return np.where(known[:, None], BIG, cost)


def protect(X, tree, k, known_scopes, complementary=True, *, primary=None, hidden=None, worth=None):
    """Boolean mask of hidden cells of X (area nodes x phenomenon nodes).

    known_scopes: boolean arrays over area nodes, one per kind of viewer: the
    anonymous viewer knows nothing, an organisation's members know their
    municipalities and their areas. primary: the cells to protect (default: X in 1..k-1);
    hidden: cells already hidden (default: X < k). protect_linked passes both. worth: the table whose
    numbers a newly hidden cell costs (default X; protect_change passes the new release's counts)."""
    X = np.asarray(X)
    hidden = (X < k) if hidden is None else hidden.copy()
    if not complementary:
        return hidden
    primary = np.argwhere((X > 0) & (X < k)) if primary is None else np.argwhere(primary)
    order = sorted(primary.tolist(), key=lambda c: (tree.level(c[0]), c[1] != 0, X[c[0], c[1]]))
    weight, worth = total_weight(tree, X.shape[1]), X if worth is None else np.asarray(worth)
    for u, f in order:
        cell = _Cell(X, tree, (u, f))
        found = {"down": [], "up": []}
        for known in known_scopes:
            if known[u] or (u == 0 and known.any()):
                continue  # known, or partly known: the unknown part is made of municipality cells
            for name, certificate in (("down", _down), ("up", _up)):
                if any(not (changed & known[:, None]).any() for changed in found[name]):
                    continue  # a certificate found for another viewer holds for this one too
                cost, changed = certificate(cell, cell_cost(worth, hidden, known, weight), k)
                if cost >= BIG / 2:
                    hidden[:, :] = True  # nothing smaller protects it
                    return hidden
                hidden |= changed
                found[name].append(changed)
    return hidden


def protect_linked(records, occurrences, tree, k, known_scopes, complementary=True):
    """One hidden pattern for a table of records and the table of their occurrences (the same cells).

    Primary cells are decided on records (1..k-1 records, and zeros). The pattern first protects the
    records; then each primary cell gets the same two certificates in the occurrence table (its
    occurrences moved away, down to 0; k-1-o more added when it holds o < k-1), starting from the
    records' pattern. Hiding only grows and a certificate stays valid when more cells are hidden, so
    the result protects both tables: neither a hidden record count nor a hidden occurrence sum can be
    bounded tighter than 0..k-1 from what is published."""
    records, occurrences = np.asarray(records), np.asarray(occurrences)
    hidden = protect(records, tree, k, known_scopes, complementary)
    if not complementary:
        return hidden
    primary = (records > 0) & (records < k)
    return protect(occurrences, tree, k, known_scopes, complementary, primary=primary, hidden=hidden)


def change_table(tree, after, before):
    """The full table of observations that differ between two releases of one table: |after - before| at the
    leaves, summed upwards (for a release that only added observations: exactly the added ones)."""
    leaves, pl = tree.leaves, phenomenon_leaves(after.shape[1])
    change = np.abs(after[np.ix_(leaves, pl)] - before[np.ix_(leaves, pl)])
    return aggregate(tree, change, after.shape[1])


def protect_change(records, occurrences, before, tree, k, known_scopes, hidden):
    """Grow `hidden`, the new release's pattern, so that subtracting the previous release recovers nothing.

    before: (records, occurrences) of the previous release of the same table. The change between the two
    (change_table) is a table of its own that nobody is shown but anyone who kept both can compute
    wherever a cell is published in both; each of its cells with 1..k-1 records is protected like a
    primary cell (the certificates of protect(), within the change, so they stay non-negative), in
    records and occurrences. The cells a certificate needs are hidden in the new release, paid for at the
    new release's counts (totals weighted as everywhere)."""
    records, occurrences = np.asarray(records), np.asarray(occurrences)
    change = change_table(tree, records, before[0])
    primary = (change > 0) & (change < k)
    if not primary.any():
        return hidden
    hidden = protect(change, tree, k, known_scopes, primary=primary, hidden=hidden, worth=records)
    return protect(change_table(tree, occurrences, before[1]), tree, k, known_scopes, primary=primary,
                   hidden=hidden, worth=occurrences)
