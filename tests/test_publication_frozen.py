"""Frozen releases of closed years and the pair rule (publication/tables.py, protection.protect_change).

A year is closed PUBLICATION_FREEZE_AFTER_DAYS after its 31 December; its release is then frozen and only an
administrator republishes it, with a reason that is logged. Every new release is protected together with the
one it replaces: the LP audit (tests/disclosure.py) over everything a viewer read of both releases, with the
change between them as unknowns of their own, finds no hidden count pinned — the one person recorded between
two releases, in an area whose own cell is hidden, included.

The suite's clock is frozen (tests/clock.py: 27 November 2026), so 2025 (YEAR) closed on 31 January 2026.
"""
import datetime as dt
import io
import random
from collections import Counter

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection

from geo_indi.audit.models import AuditEvent
from geo_indi.publication import tables
from geo_indi.publication.models import PublishedRelease

from .clock import HELSINKI
from .conftest import INSIDE_ALFA
from .disclosure import AFTER, CHANGE, Knowledge, pair_parts
from .test_disclosure_audit import K, YEAR, Reader, audit_world, fill, viewers, world  # noqa: F401 (fixtures)

MAY = dt.date(YEAR, 5, 1)
FREEZE_DAYS = 31


@pytest.fixture
def frozen_years(settings, monkeypatch):
    """The production rules: closed years frozen, every release protected with the one it replaces."""
    settings.SUPPRESSION_K = K
    settings.PUBLICATION_FREEZE_AFTER_DAYS = FREEZE_DAYS
    monkeypatch.setattr(tables, "PAIR_RULE", True)


def lapland_persons(year=YEAR):
    served = tables.year_tables(year)
    return int(served.table_of(served.structure.public_group).persons[0, 0])


def record_persons(record, n, observed_on=MAY):
    for _ in range(n):
        record(*INSIDE_ALFA, observed_on=observed_on)


@pytest.mark.parametrize(("today", "closed"), [("2026-01-31", False), ("2026-02-01", True)])
def test_a_year_closes_the_set_number_of_days_after_its_end(settings, today, closed):
    settings.PUBLICATION_FREEZE_AFTER_DAYS = FREEZE_DAYS
    with time_machine.travel(dt.datetime.fromisoformat(today).replace(hour=12, tzinfo=HELSINKI), tick=False):
        assert tables.closed(2025) is closed
        assert tables.closed(2026) is False
    settings.PUBLICATION_FREEZE_AFTER_DAYS = None
    assert tables.closed(2000) is False


def test_a_closed_year_is_published_once_and_never_recomputed(record, frozen_years, settings):
    record_persons(record, 6)
    assert lapland_persons() == 6
    release = PublishedRelease.objects.get(year=YEAR)
    assert release.frozen and release.reason == ""

    record_persons(record, 5)  # a late entry for the closed year
    assert lapland_persons() == 6
    out = io.StringIO()
    call_command("publish_tables", "--year", str(YEAR), stdout=out)
    assert f"{YEAR}: unchanged" in out.getvalue()
    settings.PUBLICATION_REFRESH_SECONDS = 1
    assert tables.refresh_release(YEAR, K).release == release
    assert lapland_persons() == 6
    assert list(PublishedRelease.objects.filter(year=YEAR)) == [release]


def test_only_an_administrator_republishes_a_closed_year_and_the_reason_is_logged(record, frozen_years, users):
    record_persons(record, 6)
    assert lapland_persons() == 6
    record_persons(record, 5)
    with pytest.raises(CommandError, match="administrator"):
        call_command("republish_release", "--year", str(YEAR), "--reason", "late entries", "--by", users["field_698"].username)
    with pytest.raises(CommandError, match="reason"):
        call_command("republish_release", "--year", str(YEAR), "--reason", "  ", "--by", users["admin"].username)
    with pytest.raises(CommandError, match="not closed"):
        call_command("republish_release", "--year", str(YEAR + 1), "--reason", "late entries", "--by", users["admin"].username)
    assert lapland_persons() == 6 and not AuditEvent.objects.exists()

    out = io.StringIO()
    call_command("republish_release", "--year", str(YEAR), "--reason", "late entries from Alfa", "--by",
                 users["admin"].username, stdout=out)
    assert f"{YEAR}: republished" in out.getvalue()
    assert lapland_persons() == 11
    release = PublishedRelease.objects.get(year=YEAR)
    assert release.frozen and release.reason == "late entries from Alfa"
    event = AuditEvent.objects.get()
    assert (event.actor_username, event.action, event.object_id) == (users["admin"].username, "admin_change", str(release.pk))
    assert event.detail["republished"] == YEAR and event.detail["reason"] == "late entries from Alfa"
    record_persons(record, 5)
    assert lapland_persons() == 11  # frozen again


def test_an_open_year_shows_new_observations_once_they_cannot_be_told_apart(record, frozen_years):
    """The pair rule: one new person would change the Lapland total by 1 (13 - 12 = one person recorded since),
    so the release waits; with k new ones the change is itself publishable."""
    open_year = YEAR + 1
    record_persons(record, 12, observed_on=dt.date(open_year, 5, 1))
    assert lapland_persons(open_year) == 12
    record_persons(record, 1, observed_on=dt.date(open_year, 5, 2))
    assert lapland_persons(open_year) == 12
    record_persons(record, K - 1, observed_on=dt.date(open_year, 5, 3))
    assert lapland_persons(open_year) == 12 + K
    assert not PublishedRelease.objects.filter(year=open_year, frozen=True).exists()


def add_person(world, area_id, phenomenon_id, day):
    """One person observation of one occurrence, as fill() writes them."""
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO observations_observation
                (client_uuid, phenomenon_id, subject, direction, occurrences, age_group, description, observed_on,
                 organisation_id, postcode_area_id, municipality_id, consent_recorded, follow_up_note,
                 created_at, updated_at)
            SELECT gen_random_uuid(), %s, 'person', 'weakens', 1, '', '', %s, %s, pa.id, pa.municipality_id,
                   false, '', now(), now()
              FROM areas_postcodearea pa WHERE pa.id = %s
            """,
            [phenomenon_id, day, next(iter(world["organisations"].values())).id, area_id],
        )


class Later:
    """A viewer's Knowledge seen through the second release: every year it publishes is (AFTER, year) — or the
    year itself when no new release was made (the first one still served: the same cells)."""

    def __init__(self, knowledge, new_release):
        self.knowledge, self.new_release = knowledge, new_release

    def publish(self, year, *args):
        self.knowledge.publish((AFTER, year) if self.new_release else year, *args)

    def see_object_points(self, points, weights=None):
        pass  # the same object points as in the first release (only persons are added)


def pair_knowledge(before, added):
    """{unit: Knowledge} over the first release's counts and the change (`added`: {(year, area, pid): n})."""
    truth = {name: Counter(table) for name, table in before.items()}
    for (year, area, pid), n in added.items():
        truth["person"][((CHANGE, year), area, pid)] += n
        truth["person_occurrences"][((CHANGE, year), area, pid)] += n
    parts = pair_parts([YEAR - 1, YEAR])
    return {"records": Knowledge(truth["person"], truth["object"], K, parts=parts),
            "occurrences": Knowledge(truth["person_occurrences"], truth["object_occurrences"], K,
                                     records=truth["person"], parts=parts)}


def audit_pair(world, rng, added_persons):
    """One scenario: a random fill and its release; `added_persons(truth, served)` records persons and returns
    them as {(year, area, pid): n}; the second release; every viewer reads every output of both. Returns the
    violations and whether a new release was made."""
    before = fill(world, rng)
    PublishedRelease.objects.all().delete()  # a new world: the previous scenario's releases are not its past
    served = tables.year_tables(YEAR)
    first = PublishedRelease.objects.get(year=YEAR)
    added = added_persons(before, served)
    problems = []
    knowledge_by_viewer = {}
    for name, user, own_areas in viewers(world):
        knowledge = pair_knowledge(before, added)
        for known in knowledge.values():
            known.knows_exactly(own_areas)
        knowledge_by_viewer[name] = (user, knowledge)
    made = False
    for when in ("before", "after"):
        if when == "after":
            for area_id, pid, day in [(a, p, dt.date(YEAR, 6, 1)) for (_y, a, p), n in added.items() for _ in range(n)]:
                add_person(world, area_id, pid, day)
            tables.year_tables(YEAR)  # the second release (or none: the first stays served)
            made = PublishedRelease.objects.get(year=YEAR) != first
        for user, knowledge in knowledge_by_viewer.values():
            reader = Reader(world, user, knowledge if when == "before" else
                            {unit: Later(k, made) for unit, k in knowledge.items()})
            if when == "before":
                for known in knowledge.values():
                    for area in world["areas"]:
                        for label in (YEAR, (CHANGE, YEAR), (AFTER, YEAR)):
                            known.must_protect(label, {area}, reader.public)
                            for pid in reader.visible:
                                known.must_protect(label, {area}, {pid})
            reader.everything(random.Random(rng.random()), all_filters=True, maps=True)
    for name, (_user, knowledge) in knowledge_by_viewer.items():
        for unit, known in knowledge.items():
            assert not known.contradictions, (name, unit, known.contradictions[:3])
            problems += [(name, unit, v) for v in known.violations()]
    return problems, made


def one_person_in_a_hidden_area(rng):
    def add(truth, served):
        table = served.table_of(served.structure.public_group)
        struct = served.structure
        hidden_areas = [a for a in struct.area_ids if table.hidden[struct.node_of_area(a), 0]]
        area = rng.choice(hidden_areas)
        return {(YEAR, area, rng.choice(struct.public_group.phenomenon_ids)): 1}
    return add


def test_one_person_recorded_between_two_releases_is_pinned_by_no_published_number(world, frozen_years, settings):
    settings.PUBLICATION_FREEZE_AFTER_DAYS = None  # YEAR stays open: its releases follow the data
    rng = random.Random(20261204)
    problems, new_releases = [], 0
    for i in range(6):
        found, made = audit_pair(world, rng, one_person_in_a_hidden_area(rng))
        problems += [(i, *p) for p in found]
        new_releases += made
    assert not problems, problems[:5]
    assert new_releases, "some scenario must publish a second release, or the pair was never audited"


def test_several_persons_recorded_between_two_releases_pin_nothing(world, frozen_years, settings):
    settings.PUBLICATION_FREEZE_AFTER_DAYS = None
    rng = random.Random(4)

    def some_persons(truth, served):
        struct = served.structure
        added = Counter()
        for _ in range(rng.randint(1, 3 * K)):
            added[(YEAR, rng.choice(struct.area_ids), rng.choice(struct.public_group.phenomenon_ids))] += 1
        return added

    problems, new_releases = [], 0
    for i in range(6):
        found, made = audit_pair(world, rng, some_persons)
        problems += [(i, *p) for p in found]
        new_releases += made
    assert not problems, problems[:5]
    assert new_releases


def test_the_pair_audit_finds_the_difference_when_the_pair_rule_is_off(world, frozen_years, settings, monkeypatch):
    settings.PUBLICATION_FREEZE_AFTER_DAYS = None
    monkeypatch.setattr(tables, "PAIR_RULE", False)
    rng = random.Random(20261204)
    problems = []
    for _ in range(6):
        problems += audit_pair(world, rng, one_person_in_a_hidden_area(rng))[0]
    assert any(v.cell.year == (CHANGE, YEAR) or v.cell.year == (AFTER, YEAR) for _n, _u, v in problems), \
        "without the pair rule, subtracting two releases must give the one person away"

