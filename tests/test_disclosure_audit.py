"""The disclosure audit: random observation sets, every output an outsider can get, LP bounds for each hidden cell.

Each scenario fills the small test geography (two municipalities, five postcode
areas, one overlap) with skewed small counts of person and object
observations of every phenomenon, then reads as an outside viewer — the
anonymous user, or a member of the other municipality's organisation (who sees
their own municipality exactly) — through the services the views call:
the stats layers (GeoJSON as streamed) for every subject and phenomenon,
the object-points layer, the overview and municipality map data (incl. the
Lapland total, popups' per-phenomenon counts and person heat points) and the
indicator page's yearly counts, and the figures of a situation summary (both years). One scenario also goes through HTTP (CSV
export, OGC items and single items, GeoJSON layers, the map pages). Every
published number becomes an equation (tests/disclosure.py); the audit fails
if any hidden cell with 1..k-1 people is pinned or bounded tighter than 0..k-1.

Records carry random occurrences (mostly 1, some 2..40), and every output is
read in both units: each published record count is an equation of the records'
knowledge, each published occurrence sum one of the occurrences' knowledge
(object points give their occurrences too). Both audits must pass: no hidden
record count and no hidden occurrence sum of a cell with 1..k-1 people is
pinned or bounded tighter than 0..k-1.
"""
import datetime as dt
import csv
import io
import json
import random
from collections import Counter

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from geo_indi.core.errors import RequestError
from geo_indi.areas.models import Municipality, PostcodeArea
from geo_indi.analysis.summaries import summary_figures
from geo_indi.indicators import services as indicator_services
from geo_indi.indicators.models import Indicator, IndicatorValue, PhenomenonIndicatorLink
from geo_indi.layers import streaming
from geo_indi.layers.params import parse_layer_query
from geo_indi.layers.services import LAYERS
from geo_indi.maps import queries as map_queries
from geo_indi.maps import services as map_services
from geo_indi.observations.filters import parse_filters
from geo_indi.observations.models import Category, Observation, Phenomenon
from geo_indi.publication import counts as published
from geo_indi.publication import tables

from .disclosure import ALL, OBJECT, PERSON, Knowledge

K = 5
YEAR = 2025
SCENARIOS = int(__import__("os").environ.get("AUDIT_SCENARIOS", 200))
SUBJECTS = (ALL, PERSON, OBJECT)
UNITS = ("records", "occurrences")
OCCURRENCES = [1] * 8 + [2, 2, 3, 4, 5, 12, 40]  # what one record counts: mostly 1, sometimes many


@pytest.fixture
def audit_world(organisations, users, phenomena, settings):
    settings.SUPPRESSION_K = K
    for i, p in enumerate(Phenomenon.objects.all()):
        Category.objects.get_or_create(phenomenon=p, slug=f"c{i}", defaults={"name_fi": f"Luokka {i}"})
        indicator = Indicator.objects.create(sotkanet_id=9000 + i, title_fi=f"Indikaattori {i}")
        PhenomenonIndicatorLink.objects.create(phenomenon=p, indicator=indicator, confirmed_by=users["admin"])
        for m in Municipality.objects.all():
            for year in (YEAR - 1, YEAR):
                IndicatorValue.objects.create(indicator=indicator, municipality=m, year=year, value=1.0)
    areas = dict(PostcodeArea.objects.values_list("id", "municipality_id"))
    return {
        "areas": areas,
        "postcodes": dict(PostcodeArea.objects.values_list("postcode", "id")),
        "municipality_codes": dict(Municipality.objects.values_list("code", "id")),
        "slugs": dict(Phenomenon.objects.values_list("slug", "id")),
        "categories": dict(Category.objects.values_list("phenomenon_id", "id")),
        "organisations": organisations,
        "users": users,
    }


SKEWED = [0] * 10 + [1] * 5 + [2] * 4 + [3] * 3 + [4] * 3 + [5, 6, 7, 9, 12]


def fill(world, rng, several=True):
    """Replace all observations by a random skewed set (one INSERT) and return the truth tables: records
    ("person", "object") and their occurrences ("person_occurrences", "object_occurrences").

    several: records of several occurrences (else every record is one)."""
    Observation.objects.all().delete()
    rows = {"ph": [], "subject": [], "direction": [], "day": [], "org": [], "area": [], "category": [], "age": [],
            "occ": []}
    phenomena = list(world["slugs"].values())
    orgs = [o.id for o in world["organisations"].values()]
    busy = rng.random()
    for area_id in world["areas"]:
        for pid in phenomena:
            for subject in ("person", "object"):
                n = rng.choice(SKEWED) if rng.random() < busy else 0
                for _ in range(n):
                    rows["ph"].append(pid)
                    rows["subject"].append(subject)
                    rows["direction"].append(rng.choice(["weakens", "strengthens"]))
                    year = YEAR - 1 if rng.random() < 0.2 else YEAR  # the year before: another, independent table
                    rows["day"].append(dt.date(year, rng.randint(1, 12), rng.randint(1, 28)))
                    rows["org"].append(rng.choice(orgs))
                    rows["area"].append(area_id)
                    rows["category"].append(world["categories"][pid] if rng.random() < 0.5 else None)
                    rows["age"].append(rng.choice(["youth", "adults", ""]) if subject == "person" else "")
                    rows["occ"].append(rng.choice(OCCURRENCES) if several else 1)
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO observations_observation
                (client_uuid, phenomenon_id, category_id, subject, direction, occurrences, age_group, description,
                 observed_on, reporter_id, organisation_id, postcode_area_id, municipality_id, location,
                 consent_recorded, follow_up_note, created_at, updated_at)
            SELECT gen_random_uuid(), t.ph, t.category, t.subject, t.direction, t.occ, t.age, '', t.day, NULL, t.org,
                   pa.id, pa.municipality_id,
                   CASE WHEN t.subject = 'object' THEN ST_PointOnSurface(pa.geom) END, false, '', now(), now()
              FROM unnest(%s::int[], %s::text[], %s::text[], %s::date[], %s::int[], %s::int[], %s::int[], %s::text[],
                          %s::int[])
                   AS t(ph, subject, direction, day, org, area, category, age, occ)
              JOIN areas_postcodearea pa ON pa.id = t.area
            """,
            [rows["ph"], rows["subject"], rows["direction"], rows["day"], rows["org"], rows["area"],
             rows["category"], rows["age"], rows["occ"]],
        )
    truth = {"person": Counter(), "object": Counter(), "person_occurrences": Counter(), "object_occurrences": Counter()}
    for subject, day, area, pid, occ in zip(rows["subject"], rows["day"], rows["area"], rows["ph"], rows["occ"]):
        truth[subject][(day.year, area, pid)] += 1
        truth[f"{subject}_occurrences"][(day.year, area, pid)] += occ
    return truth


def knowledge_of(truth):
    """{unit: Knowledge}: what a viewer learns of the records and of their occurrences."""
    return {"records": Knowledge(truth["person"], truth["object"], K),
            "occurrences": Knowledge(truth["person_occurrences"], truth["object_occurrences"], K,
                                     records=truth["person"])}


class Reader:
    """Reads every output a viewer can get and feeds it to their Knowledge."""

    def __init__(self, world, user, knowledge):
        """knowledge: {unit: Knowledge} (knowledge_of)."""
        self.world, self.user, self.knowledge = world, user, knowledge
        self.visible = set(Phenomenon.objects.publishable_to(user).values_list("id", flat=True))
        self.public = set(Phenomenon.objects.filter(visibility="public", is_active=True).values_list("id", flat=True))
        self.scope = published.Viewer(user).scope
        self.areas_of = {}
        for area, muni in world["areas"].items():
            self.areas_of.setdefault(muni, set()).add(area)

    def phenomena_of(self, filters):
        return {filters["phenomenon"]} if filters.get("phenomenon") else self.public

    def known(self, areas):
        return all(self.world["areas"][a] in self.scope for a in areas)

    def publish(self, areas, phenomena, subject, value, source, year=YEAR, unit="occurrences"):
        if areas and not self.known(areas):
            self.knowledge[str(unit)].publish(year, areas, phenomena & self.visible, subject, value, source)

    def object_points(self):
        lsql = LAYERS["observations"].sql(self.user, parse_layer_query({}))
        data = json.loads("".join(c if isinstance(c, str) else c.decode() for c in streaming.feature_collection_chunks(lsql)))
        points, weights = [], []
        for f in data["features"]:
            p = f["properties"]
            points.append((int(p["observed_on"][:4]), self.world["postcodes"][p["postcode"]], self.world["slugs"][p["phenomenon"]]))
            weights.append(p["occurrences"])
        self.knowledge["records"].see_object_points(points)
        self.knowledge["occurrences"].see_object_points(points, weights)

    def layer(self, layer_id, params, finer_than_cells=False, year=YEAR):
        """finer_than_cells: object counts for a category or date range (exact for everyone; not a table cell)."""
        query = parse_layer_query(params)
        lsql = LAYERS[layer_id].sql(self.user, query)
        data = json.loads("".join(c if isinstance(c, str) else c.decode() for c in streaming.feature_collection_chunks(lsql)))
        if finer_than_cells:
            assert all(not f["properties"]["suppressed"] for f in data["features"])
            return
        filters = {"phenomenon": int(params["phenomenon"])} if params.get("phenomenon") else {}
        subject = params.get("subject") or ALL
        slugs = self.world["slugs"]
        for f in data["features"]:
            if layer_id == "postcode-area-stats":
                areas = {self.world["postcodes"][f["id"]]}
            else:
                areas = self.areas_of.get(self.world["municipality_codes"][f["id"]], set())
            props = f["properties"]
            value = None if props["suppressed"] else props["count"]
            unit = props["unit"]
            assert unit == (params.get("unit") or "occurrences")
            self.publish(areas, self.phenomena_of(filters), subject, value, f"{layer_id} {params}", year, unit)
            for both in UNITS:
                value = None if props["suppressed"] else props[both]
                self.publish(areas, self.phenomena_of(filters), subject, value, f"{layer_id} {params} {both}", year,
                             both)
            for slug, pid in slugs.items():
                if slug in props:
                    self.publish(areas, {pid}, subject, props[slug], f"{layer_id} {params} {slug}", year, unit)

    def map_rows(self, data, filters, source, area_sets):
        subject = filters.get("subject") or ALL
        for row in data.areas:
            areas = area_sets(row.id)
            self.publish(areas, self.phenomena_of(filters), subject, row.count, source, unit=data.unit)
            self.publish(areas, self.phenomena_of(filters), subject, row.records, source, unit="records")
            self.publish(areas, self.phenomena_of(filters), subject, row.occurrences, source, unit="occurrences")
            for pid, n in row.by_phenomenon.items():
                self.publish(areas, {pid}, subject, n, f"{source} popup {pid}", unit=data.unit)

    def totals(self, areas, filters, data, source):
        subject = filters.get("subject") or ALL
        phenomena = self.phenomena_of(filters)
        self.publish(areas, phenomena, subject, data.total, source, unit=data.unit)
        self.publish(areas, phenomena, subject, data.total_records, source, unit="records")
        self.publish(areas, phenomena, subject, data.total_occurrences, source, unit="occurrences")

    def overview(self, params, unit="occurrences"):
        form, errors = parse_filters(params)
        assert not errors
        data = map_services.overview(self.user, form, map_services.MapOptions(unit=unit))
        filters = form.active()
        self.map_rows(data, filters, f"overview {params}", lambda muni_id: self.areas_of.get(muni_id, set()))
        self.totals(set(self.world["areas"]), filters, data, f"overview total {params}")
        assert not (data.trend or data.categories) or filters.get("subject") == OBJECT  # persons: exact pages only

    def municipality(self, municipality, params, unit="occurrences"):
        form, errors = parse_filters(params)
        assert not errors
        data = map_services.municipality_view(self.user, municipality, form,
                                              map_services.MapOptions(person_heat=True, unit=unit))
        filters = form.active()
        self.map_rows(data, filters, f"municipality {municipality.code} {params}", lambda area_id: {area_id})
        self.totals(self.areas_of.get(municipality.id, set()), filters, data,
                    f"municipality total {municipality.code} {params}")
        where = {tuple(point): area_id for area_id, point in map_queries.representative_points(self.areas_of[municipality.id]).items()}
        for lat, lon, n in data.person_heat_points:
            self.publish({where[(lat, lon)]}, self.phenomena_of(filters), PERSON, n, "person heat points", unit=unit)

    def indicators(self, municipality):
        for row in indicator_services.municipality_report(municipality, self.user):
            for year, n in row.counts.items():
                self.publish(self.areas_of.get(municipality.id, set()), {row.phenomenon.id}, ALL, n,
                             f"indicators {municipality.code} {row.phenomenon.slug}", year=year)

    def summaries(self, municipality):
        """An approved situation summary (shown to everyone): its totals and per-phenomenon counts, both years,
        in records (a summary states records; cases only beside the editor's exact total)."""
        figures = summary_figures(municipality, YEAR)
        areas = self.areas_of.get(municipality.id, set())
        self.publish(areas, self.public, ALL, figures["total"], f"summary total {municipality.code}", unit="records")
        self.publish(areas, self.public, ALL, figures["previous_total"], f"summary total {municipality.code}",
                     year=YEAR - 1, unit="records")
        for row in figures["phenomena"]:
            self.publish(areas, {row["id"]}, ALL, row["n"], f"summary {municipality.code} {row['slug']}", unit="records")
            self.publish(areas, {row["id"]}, ALL, row["previous"], f"summary {municipality.code} {row['slug']}",
                         year=YEAR - 1, unit="records")

    def refused(self, params):
        """A person request outsiders may not make is refused (or, beside a member's own rows, left empty)."""
        form, errors = parse_filters(params)
        assert not errors
        try:
            data = map_services.overview(self.user, form, map_services.MapOptions())
        except RequestError:  # the map's words for a NotPublished (maps.services.refused_in_words)
            assert not self.scope
            return
        assert data.withheld and data.total is None
        assert all(row.count is None for row in data.areas if row.id not in self.scope)

    def everything(self, rng, all_filters, maps=True):
        """Every output (maps: also the map pages' data); all_filters: also every phenomenon x subject,
        the row filters and the refused filters."""
        year = {"year": str(YEAR)}
        self.object_points()
        for subject in (SUBJECTS if all_filters else (ALL, rng.choice((PERSON, OBJECT)))):
            params = {**year, **({"subject": subject} if subject else {})}
            for layer_id in ("postcode-area-stats", "municipality-stats"):
                self.layer(layer_id, {**params, "unit": rng.choice(UNITS)})
            if maps:
                self.overview(params, rng.choice(UNITS))
        phenomena = sorted(self.visible)
        for pid in (phenomena if all_filters else [rng.choice(phenomena)]):
            for subject in (SUBJECTS if all_filters else [rng.choice(SUBJECTS)]):
                params = {**year, "phenomenon": str(pid), **({"subject": subject} if subject else {})}
                # Per-phenomenon columns are in the unit asked for: read both.
                for unit in UNITS:
                    self.layer(rng.choice(("postcode-area-stats", "municipality-stats")), {**params, "unit": unit})
                if maps:
                    self.overview(params, rng.choice(UNITS))
        for municipality in Municipality.objects.all():
            if maps:
                for unit in UNITS:
                    self.municipality(municipality, year, unit)
            self.indicators(municipality)
            self.summaries(municipality)
        if all_filters:
            for postcode in self.world["postcodes"]:
                self.layer("municipality-stats", {**year, "postcode": postcode})
                self.layer("postcode-area-stats", {**year, "postcode": postcode})
            for code in self.world["municipality_codes"]:
                self.layer("postcode-area-stats", {**year, "municipality": code})
            self.layer("postcode-area-stats", {**year, "bbox": "25.0,66.0,25.3,66.1"})
            self.layer("municipality-stats", {**year, "datetime": f"{YEAR}-01-01/{YEAR}-12-31"})
            for layer_id in ("postcode-area-stats", "municipality-stats"):
                self.layer(layer_id, {"year": str(YEAR - 1)}, year=YEAR - 1)
            self.layer("postcode-area-stats", {**year, "subject": "object", "category": str(rng.choice(list(self.world["categories"].values())))},
                       finer_than_cells=True)
            self.layer("postcode-area-stats", {**year, "subject": "object", "datetime": f"{YEAR}-03-01/{YEAR}-05-31"},
                       finer_than_cells=True)
            for params in ({"category": "1"}, {"direction": "weakens"}, {"age_group": "youth"},
                           {"date_from": f"{YEAR}-03-01", "date_to": f"{YEAR}-05-31"}):
                self.refused({**year, **params} if "date_from" not in params else params)


def viewers(world):
    """The anonymous user and a member of each organisation (an outsider to the other municipality)."""
    users = world["users"]
    return [("anonymous", AnonymousUser(), set()),
            ("member of 698", users["field_698"], world["areas_of_org"]["698"]),
            ("member of 320", users["field_320"], world["areas_of_org"]["320"])]


def audit(world, rng, all_filters=False, who=0, maps=True):
    """Violations of one random scenario, for one viewer (`who` of viewers(); all with all_filters)."""
    truth = fill(world, rng)
    found = []
    everyone = viewers(world)
    for name, user, own_areas in (everyone if all_filters else [everyone[who % len(everyone)]]):
        found += [(name, *v) for v in audit_viewer(world, truth, user, own_areas, rng, all_filters, maps or all_filters)]
    return found


def audit_viewer(world, truth, user, own_areas, rng, all_filters, maps):
    """[(unit, Violation)] of everything one viewer reads, for the records and for their occurrences."""
    knowledge = knowledge_of(truth)
    reader = Reader(world, user, knowledge)
    for known in knowledge.values():
        known.knows_exactly(own_areas)
        for area in world["areas"]:  # small counts must stay protected even where no output marks them hidden
            for year in (YEAR - 1, YEAR):
                known.must_protect(year, {area}, reader.public)
                for pid in reader.visible:
                    known.must_protect(year, {area}, {pid})
    reader.everything(rng, all_filters, maps)
    found = []
    for unit, known in knowledge.items():
        assert not known.contradictions, (unit, known.contradictions[:3])
        found += [(unit, v) for v in known.violations()]
    return found


@pytest.fixture
def world(audit_world):
    by_code = {}
    for area, muni in audit_world["areas"].items():
        by_code.setdefault(Municipality.objects.get(id=muni).code, set()).add(area)
    audit_world["areas_of_org"] = by_code
    return audit_world


def test_no_hidden_cell_is_pinned_in_200_random_scenarios(world):
    rng = random.Random(20261127)
    problems = []
    for i in range(SCENARIOS):
        # Every scenario: layers, object points, indicator counts; every 4th also the map pages' data;
        # every 25th every filter, for every viewer.
        problems += [(i, *p) for p in audit(world, rng, all_filters=(i % 25 == 0), who=i, maps=(i % 4 == 1))]
    assert not problems, problems[:5]


def test_the_audit_finds_pinned_cells_when_complementary_suppression_is_off(world, monkeypatch):
    monkeypatch.setattr(tables, "COMPLEMENTARY", False)
    rng = random.Random(7)
    problems = []
    for i in range(12):
        problems += audit(world, rng, who=i)
    assert problems, "a rule without complementary suppression must be caught by the audit"


def test_one_random_scenario_through_http(client, world):
    """The same audit over HTTP as the anonymous user: GeoJSON and CSV layers, OGC API items and single
    items, the maps' CSV export and the overview page."""
    from . import test_publication_regressions as http

    fill(world, random.Random(99), several=False)  # the pages read here show one unit: every record is one case
    slugs = world["slugs"]
    public = set(Phenomenon.objects.filter(visibility="public", is_active=True).values_list("id", flat=True))
    view = {"postcodes": world["postcodes"], "slugs": slugs, "public": public,
            "municipalities": {code: areas for code, areas in world["areas_of_org"].items()}}
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    knowledge = http.knowledge(view, client)
    for query in (f"year={YEAR}", f"year={YEAR}&subject=person"):
        subject = PERSON if "person" in query else ALL
        for name in ("postcode-area-stats", "municipality-stats"):
            http.read_layer(knowledge, view, client, name, query, subject=subject)
            page = client.get(f"/ogcapi/collections/{name}/items?{query}&limit=2")
            assert page.status_code == 200
            for f in json.loads(b"".join(page.streaming_content))["features"]:
                areas = {world["postcodes"][f["id"]]} if name == "postcode-area-stats" else view["municipalities"][f["id"]]
                knowledge.publish(YEAR, areas, public, subject, f["properties"]["count"], f"ogc {name}")
            csv_text = b"".join(client.get(f"/api/layers/{name}.csv?{query}").streaming_content).decode()
            key = "postcode" if name == "postcode-area-stats" else "code"
            for row in csv.DictReader(io.StringIO(csv_text)):
                areas = {world["postcodes"][row[key]]} if key == "postcode" else view["municipalities"][row[key]]
                value = None if row["suppressed"] == "True" else int(row["count"])
                knowledge.publish(YEAR, areas, public, subject, value, f"csv layer {name}")
    for postcode in world["postcodes"]:  # single items (this year: the default of a single item)
        item = client.get(f"/ogcapi/collections/postcode-area-stats/items/{postcode}")
        assert item.status_code == 200 and item.json()["properties"]["suppressed"] is True
    for code in view["municipalities"]:
        http.read_csv(knowledge, view, client, code, f"year={YEAR}")
    http.read_overview(knowledge, view, client, f"year={YEAR}")
    http.assert_protected(knowledge)
