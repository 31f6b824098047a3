"""The fixed tables published outside an organisation, counted in PostGIS and suppressed together.

For each calendar year and each phenomenon group there is one linked table of
*person* observations: Lapland -> municipality -> postcode area, crossed with
group total -> phenomenon (protection.py explains the cells and the rule).
Groups: all public, active phenomena together (with their total); every other
phenomenon (internal, or no longer active) alone, shown only to members of an
organisation. Groups and years share no published sum, so each is suppressed
on its own. Every table is kept twice over the same cells: the number of
records and the sum of their occurrences (the cases a worker entered); one
hidden pattern, decided on records and protecting both (protection.protect_linked),
hides both numbers of a cell together. Object observations are published exactly (the object-points
layer), so their counts in the same cells are published as they are.

What is served is a release (releases.py): counts and pattern computed together and
stored in the database. A release with the current counts is served as it is; with
PUBLICATION_REFRESH_SECONDS > 0 an older one is served unchanged until it is that old,
then still served while the worker computes the next (a job, geo_indi/jobs). The pattern of given
counts is also cached (Django's cache) under a key made of their content.

Published numbers do not move behind the reader's back. A year is closed PUBLICATION_FREEZE_AFTER_DAYS
after its 31 December: the first view (or publish_tables) after that freezes its release, which is
never computed again unless an administrator republishes it with a reason (release_republish, logged).
Every new release is protected together with the one it replaces (the pair rule,
protection.protect_change): the change between the two is protected like a table of its own, so
subtracting them recovers no small count. When that would hide a Lapland cell that both releases
otherwise show, the new counts wait and the previous release stays served (too few new observations).

The suppression pattern is the same for every viewer outside a municipality:
it protects each small cell against the anonymous viewer and against the
members of every organisation, who know their own municipalities exactly.
"""
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from geo_indi.accounts.models import Organisation
from geo_indi.areas.models import Municipality, PostcodeArea
from geo_indi.observations import summary, suppression
from geo_indi.observations.models import Phenomenon

from . import releases
from .models import PublishedRelease
from .protection import AreaTree, full_table, protect_change, protect_linked

# Switch for the audit's own test: with it off only primary suppression runs (never in production).
COMPLEMENTARY = True
# Switch for the tests whose tables follow every write at once (tests/conftest.py): with it off a new release
# is not protected together with the one it replaces (never in production).
PAIR_RULE = True
CACHE_SECONDS = 7 * 24 * 3600  # the key is the table's content, so an entry is never stale
# Part of every release key: a release stored before occurrences were published (3 arrays) is never served.
RELEASE_FORMAT = "records+occurrences"
# Part of the pattern cache's key: a pattern computed by an older rule is not reused for new counts.
RULE = "group-totals-weighted+gather-3"


@dataclass(frozen=True)
class Group:
    phenomenon_ids: tuple  # order of the phenomenon nodes 1.. (or the single node 0)
    public: bool  # visible to anonymous viewers

    def node_of(self, phenomenon_id=None):
        """Phenomenon node of a phenomenon, or of the group total (None)."""
        if phenomenon_id is None or len(self.phenomenon_ids) == 1:
            return 0
        return 1 + self.phenomenon_ids.index(phenomenon_id)


@dataclass
class Structure:
    tree: AreaTree
    municipality_ids: list  # node 1..M
    area_ids: list  # leaf nodes M+1..
    area_municipality: dict  # area id -> municipality id
    groups: list
    scopes: list  # frozensets of municipality ids that organisations see exactly

    def node_of_municipality(self, municipality_id):
        return 1 + self._muni_index[municipality_id]

    def node_of_area(self, area_id):
        return 1 + len(self.municipality_ids) + self._area_index[area_id]

    def __post_init__(self):
        self._muni_index = {m: i for i, m in enumerate(self.municipality_ids)}
        self._area_index = {a: i for i, a in enumerate(self.area_ids)}
        self._group_of = {p: g for g in self.groups for p in g.phenomenon_ids}

    def group_of(self, phenomenon_id):
        return self._group_of.get(phenomenon_id)

    @property
    def public_group(self):
        return next((g for g in self.groups if g.public), None)

    def known_masks(self):
        """The anonymous viewer's (nothing known) and each organisation's knowledge over area nodes."""
        masks = [np.zeros(self.tree.size, dtype=bool)]
        muni_of_node = self.tree.municipality
        for scope in self.scopes:
            nodes = [self.node_of_municipality(m) for m in scope if m in self._muni_index]
            known = np.isin(muni_of_node, nodes)
            known[0] = False
            if known.any() and not known[1:].all():
                masks.append(known)
        return masks

    def signature(self):
        return repr((self.municipality_ids, self.area_ids, sorted(self.area_municipality.items()),
                     self.groups, sorted(sorted(s) for s in self.scopes)))


def public_phenomena():
    """The public group: public, active phenomena (what anonymous viewers may see, and every total counts)."""
    return Phenomenon.objects.filter(visibility=Phenomenon.Visibility.PUBLIC, is_active=True)


def structure():
    municipality_ids = list(Municipality.objects.order_by("code").values_list("id", flat=True))
    areas = list(PostcodeArea.objects.order_by("postcode").values_list("id", "municipality_id"))
    muni_index = {m: i for i, m in enumerate(municipality_ids)}
    tree = AreaTree(
        municipality=np.array([-1] + [1 + i for i in range(len(municipality_ids))]
                              + [1 + muni_index[m] for _a, m in areas], dtype=np.int64),
        n_municipalities=len(municipality_ids),
    )
    public_ids = set(public_phenomena().values_list("id", flat=True))
    public, others = [], []
    for pid in Phenomenon.objects.order_by("id").values_list("id", flat=True):
        (public if pid in public_ids else others).append(pid)
    groups = ([Group(tuple(public), True)] if public else []) + [Group((pid,), False) for pid in others]
    scopes = {}
    for org_id, muni_id in Organisation.municipalities.through.objects.values_list("organisation_id", "municipality_id"):
        scopes.setdefault(org_id, set()).add(muni_id)
    return Structure(tree, municipality_ids, [a for a, _m in areas], dict(areas), groups,
                     sorted({frozenset(s) for s in scopes.values()}, key=sorted))


@dataclass
class GroupTable:
    group: Group
    persons: np.ndarray  # (area nodes, phenomenon nodes) true counts of records
    objects: np.ndarray  # the same for object observations (published exactly)
    hidden: np.ndarray  # bool, person cells not published (records and occurrences alike)
    person_occurrences: np.ndarray  # the sums of the person records' occurrences, same cells
    object_occurrences: np.ndarray  # the same for object observations


@dataclass
class YearTables:
    year: int
    k: int
    structure: Structure
    tables: dict  # Group -> GroupTable

    def table_of(self, group):
        return self.tables[group]


COUNTED = (("person", "n"), ("object", "n"), ("person", "occ"), ("object", "occ"))  # the order of _counted_tables


def _leaf_counts(struct, year):
    """{(subject, "n" or "occ"): {group: (areas x phenomenon leaves) counts}} from one grouped query."""
    rows = summary.grouped_counts({"year": year}, ["subject", "postcode_area_id", "phenomenon_id"],
                                  user=summary.ALL_PHENOMENA)
    leaf = {what: {g: np.zeros((len(struct.area_ids), len(g.phenomenon_ids)), dtype=np.int64) for g in struct.groups}
            for what in COUNTED}
    n_munis = len(struct.municipality_ids)
    for row in rows:
        group = struct.group_of(row["phenomenon_id"])
        if group is None or row["postcode_area_id"] not in struct._area_index:
            continue
        cell = (struct.node_of_area(row["postcode_area_id"]) - 1 - n_munis,
                group.phenomenon_ids.index(row["phenomenon_id"]))
        for value in ("n", "occ"):
            leaf[(row["subject"], value)][group][cell] += row[value]
    return leaf


def _counted_tables(struct, year):
    """[(persons, objects, person occurrences, object occurrences)] full tables per group, in the structure's
    group order."""
    leaf = _leaf_counts(struct, year)
    return [tuple(full_table(struct.tree, leaf[what][g]) for what in COUNTED) for g in struct.groups]


def _data_digest(counted):
    return releases.digest(table for pair in counted for table in pair)


def _hidden(struct, persons, person_occurrences, k):
    """The hidden pattern of each group's person tables, records and occurrences (cached by their content)."""
    key = (f"publication:{RELEASE_FORMAT}:{RULE}:{k}:{int(COMPLEMENTARY)}:"
           f"{releases.digest([struct.signature(), *persons, *person_occurrences])}")
    hidden = cache.get(key)
    if hidden is None:
        masks = struct.known_masks()
        hidden = [protect_linked(records, occurrences, struct.tree, k, masks, COMPLEMENTARY)
                  for records, occurrences in zip(persons, person_occurrences)]
        cache.set(key, hidden, CACHE_SECONDS)
    return hidden


def release_key(year, k, struct):
    return releases.Key(year, k, COMPLEMENTARY, releases.digest([RELEASE_FORMAT, struct.signature()]))


@dataclass
class Publication:
    release: PublishedRelease
    previous: PublishedRelease | None
    arrays: list  # [(persons, objects, hidden, person occurrences, object occurrences)] per group

    @property
    def changed(self):
        return self.release != self.previous


def closed(year):
    """Is the calendar year closed: more than PUBLICATION_FREEZE_AFTER_DAYS past its 31 December (never with None)?"""
    days = settings.PUBLICATION_FREEZE_AFTER_DAYS
    return days is not None and timezone.localdate() > date(year, 12, 31) + timedelta(days=days)


def _paired(struct, counted, hidden, before, k):
    """The pattern of the new counts grown by the pair rule (protection.protect_change) against the release
    `before` replaces, and whether that rule hides a Lapland cell that both the previous release and the new
    counts' own pattern show (then the new release waits: tables.year_tables)."""
    masks = struct.known_masks()
    paired, costs_lapland = [], False
    for (persons, _objects, person_occ, _object_occ), h, b in zip(counted, hidden, before):
        grown = protect_change(persons, person_occ, (b[0], b[3]), struct.tree, k, masks, h.copy())
        costs_lapland |= bool((grown[0] & ~h[0] & ~b[2][0]).any())
        paired.append(grown)
    return paired, costs_lapland


def _publish(key, struct, counted=None, reason=None):
    """Make the key's release current (see year_tables); reason: an administrator's republishing of a frozen year."""
    counted_at = timezone.now()
    frozen = closed(key.year)
    previous = releases.latest(key)
    before = releases.decode(previous.payload, len(struct.groups)) if previous is not None else None
    if previous is not None and previous.frozen and reason is None:
        return Publication(previous, previous, before)
    counted = counted or _counted_tables(struct, key.year)
    data_digest = _data_digest(counted)
    if previous is not None and previous.data_digest == data_digest and reason is None:
        if frozen:
            releases.freeze(previous)
        return Publication(previous, previous, before)
    hidden = _hidden(struct, [c[0] for c in counted], [c[2] for c in counted], key.k)
    if before is not None and PAIR_RULE and COMPLEMENTARY:
        hidden, costs_lapland = _paired(struct, counted, hidden, before, key.k)
        if costs_lapland and reason is None:
            # Too few new observations to show them without hiding a Lapland total: the previous release
            # stays served (and is the year's frozen release when the year has closed).
            if frozen:
                releases.freeze(previous)
            return Publication(previous, previous, before)
    arrays = [(persons, objects, h, person_occ, object_occ)
              for (persons, objects, person_occ, object_occ), h in zip(counted, hidden)]
    release = releases.save(key, data_digest, counted_at, arrays, frozen=frozen or reason is not None,
                            reason=reason or "")
    return Publication(release, previous, arrays)


def publish_release(year, k=None, struct=None, wait=True):
    """Make the year's release current now, one session at a time (the advisory lock); None when another
    session is computing it and `wait` is false."""
    k = suppression.threshold() if k is None else k
    struct = struct or structure()
    key = release_key(year, k, struct)
    with releases.computing(key, wait) as held:
        return _publish(key, struct) if held else None


def release_republish(*, year, reason, by, k=None):
    """An administrator publishes a closed year again (corrected data, a changed rule): the only way a frozen
    release is computed again. The reason is stored with the release and in the audit log; the new release
    is protected together with the frozen one it replaces (the pair rule). Raises ValueError for an open
    year or an empty reason, PermissionDenied for anyone but an administrator."""
    from django.core.exceptions import PermissionDenied

    from geo_indi.accounts import roles
    from geo_indi.audit.services import Action, audit_record

    reason = (reason or "").strip()
    if by is None or not roles.is_administrator(by):
        raise PermissionDenied("only an administrator republishes a closed year")
    if not reason:
        raise ValueError("give the reason for republishing")
    if not closed(year):
        raise ValueError(f"{year} is not closed yet: its release follows the data (no republishing needed)")
    k = suppression.threshold() if k is None else k
    struct = structure()
    key = release_key(year, k, struct)
    with releases.computing(key, wait=True):
        previous = releases.latest(key)
        publication = _publish(key, struct, reason=reason)
    audit_record(Action.ADMIN_CHANGE, actor=by, obj=publication.release, detail={
        "republished": year, "k": k, "reason": reason,
        "replaces": previous.computed_at.isoformat() if previous is not None else None,
        "previous_data_digest": previous.data_digest if previous is not None else None,
        "data_digest": publication.release.data_digest})
    return publication


def refresh_release(year, k):
    """The background refresh: skipped when another process is already computing the year."""
    return publish_release(year, k, wait=False)


def _served(year, k, struct, arrays):
    return YearTables(year, k, struct, {g: GroupTable(g, *a) for g, a in zip(struct.groups, arrays)})


def year_tables(year, k=None, struct=None):
    """The published tables of a calendar year: the latest release (see the module's docstring);
    `struct` saves reading it again."""
    k = suppression.threshold() if k is None else k
    struct = struct or structure()
    key = release_key(year, k, struct)
    release = releases.latest(key)
    if release is not None and release.frozen:
        return _served(year, k, struct, releases.decode(release.payload, len(struct.groups)))
    if closed(year):  # published once, now: the first view after the year closed freezes its release
        return _served(year, k, struct, publish_release(year, k, struct).arrays)
    refresh_seconds = settings.PUBLICATION_REFRESH_SECONDS
    if release is not None and timezone.now() - release.computed_at < timedelta(seconds=max(refresh_seconds, 0)):
        # Young enough to serve without counting at all: under steady recording every view would
        # otherwise count the year again only to learn that the release is stale.
        return _served(year, k, struct, releases.decode(release.payload, len(struct.groups)))
    counted = _counted_tables(struct, year)
    if release is None:
        return _served(year, k, struct, _publish(key, struct, counted).arrays)
    current = release.data_digest == _data_digest(counted)
    if not current and refresh_seconds <= 0:
        return _served(year, k, struct, _publish(key, struct, counted).arrays)
    if not current and timezone.now() - release.computed_at >= timedelta(seconds=refresh_seconds):
        releases.refresh_in_background(key, year, k)
    return _served(year, k, struct, releases.decode(release.payload, len(struct.groups)))
