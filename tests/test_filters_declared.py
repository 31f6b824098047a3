"""The observation filters are declared once (observations/filters.py FILTERS): the REST API, the layer
downloads and the OGC API document list each with the same schema; the records and the monthly summary give
the same rows for each filter the summary answers; a value that does not parse is a 400 everywhere.

Real PostGIS throughout.
"""
import datetime as dt
import json

import pytest
from django.db.models import Count, Sum

from geo_indi.observations import summary
from geo_indi.observations.filters import FILTERS, SUMMARY_FILTERS, filter_q, filter_schema, summary_q
from geo_indi.observations.models import Observation, ObservationMonthlyCount

from .test_counts_summary import build_observations

REST = "/api/observations/"
LAYER = "/api/layers/observations.geojson"
OGC_ITEMS = "/ogcapi/collections/observations/items"
SCHEMA_KEYS = ("type", "format", "enum", "pattern", "minimum", "maximum")


def _schema_of(parameter):
    return {k: v for k, v in parameter["schema"].items() if k in SCHEMA_KEYS}


def _query_parameters(operation):
    return {p["name"]: p for p in operation["parameters"] if p.get("in") == "query"}


def test_every_filter_is_listed_with_one_schema_in_the_three_openapi_documents(client, db):
    rest_schema = client.get("/api/schema/?format=json").json()
    rest = _query_parameters(rest_schema["paths"][REST]["get"])
    layer = _query_parameters(rest_schema["paths"][LAYER]["get"])
    ogc_document = client.get("/ogcapi/openapi.json").json()
    components = ogc_document["components"]["parameters"]
    ogc_items = {ref["$ref"].rsplit("/", 1)[-1] for ref in
                 ogc_document["paths"]["/collections/observations/items"]["get"]["parameters"] if "$ref" in ref}
    assert len(FILTERS) == 10
    for declared in FILTERS:
        expected = filter_schema(declared)
        assert _schema_of(rest[declared.name]) == expected, declared.name
        assert _schema_of(layer[declared.name]) == expected, declared.name
        assert declared.name in ogc_items, declared.name
        assert _schema_of(components[declared.name]) == expected, declared.name
        for parameter in (rest[declared.name], layer[declared.name], components[declared.name]):
            assert parameter["description"] == declared.description
    # what was missing from the layer downloads' hand-kept list
    assert layer["date_from"]["schema"] == {"type": "string", "format": "date"}
    assert rest["subject"]["schema"]["enum"] == ["person", "object"]
    assert components["year"]["schema"] == {"type": "integer", "minimum": 1900, "maximum": 2999}


@pytest.fixture
def observations(phenomena, users, organisations):
    return build_observations(phenomena, organisations["698"], users["field_698"], n=80, seed=5)


def _one_value_of_each(rows):
    """A value of every filter the summary answers, matching some of the observations."""
    with_category = next(o for o in rows if o.category_id)
    return {
        "phenomenon": rows[0].phenomenon_id,
        "category": with_category.category_id,
        "subject": "object",
        "direction": "weakens",
        "municipality": "698",
        "postcode": "99001",
        "date_from": dt.date(2025, 3, 1),
        "date_to": dt.date(2025, 8, 31),
        "year": 2026,
    }


def test_records_and_summary_give_the_same_rows_for_every_filter_the_summary_answers(observations):
    values = _one_value_of_each(observations)
    assert set(values) == SUMMARY_FILTERS
    key = ("phenomenon_id", "category_id", "subject", "direction", "municipality_id", "postcode_area_id")
    for name, value in values.items():
        filters = {name: value}
        assert summary.answerable(filters), name
        raw = list(Observation.objects.filter(filter_q(filters)).order_by().values(*key)
                   .annotate(n=Count("id"), occ=Sum("occurrences")).order_by(*key))
        cells = list(ObservationMonthlyCount.objects.filter(summary_q(filters)).order_by().values(*key)
                     .annotate(n=Sum("observations"), occ=Sum("occurrences")).order_by(*key))
        assert raw, name  # the filter matches something, so the comparison can fail
        assert raw == cells, name
        assert len(raw) < len(Observation.objects.order_by().values(*key).distinct()), name  # it does filter
    both = {"phenomenon": values["phenomenon"], "year": 2025, "subject": "person"}
    assert (Observation.objects.filter(filter_q(both)).count()
            == ObservationMonthlyCount.objects.filter(summary_q(both)).aggregate(n=Sum("observations"))["n"])


def test_a_filter_the_summary_cannot_answer_is_counted_from_the_records(observations):
    assert "age_group" not in SUMMARY_FILTERS
    assert not summary.answerable({"age_group": "youth"})
    with pytest.raises(ValueError):
        summary_q({"age_group": "youth"})
    assert summary.source({"age_group": "youth"}) == summary.RAW


BAD_VALUES = [
    {"phenomenon": "abc"},
    {"category": "0"},
    {"date_from": "notadate"},
    {"date_to": "2025-02-30"},
    {"subject": "animal"},
    {"direction": "sideways"},
    {"age_group": "ancient"},
    {"municipality": "12345"},
    {"postcode": "9900"},
    {"year": "1800"},
    {"date_from": "2025-05-01", "date_to": "2025-04-01"},
]


@pytest.mark.parametrize("params", BAD_VALUES, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()))
def test_a_value_that_does_not_parse_is_a_400_everywhere(client, users, params):
    client.force_login(users["coord_698"])
    for url in (REST, LAYER, OGC_ITEMS):
        response = client.get(url, params)
        assert response.status_code == 400, (url, params)


def _feature_ids(response):
    assert response.status_code == 200
    return {f["id"] for f in json.loads(b"".join(response.streaming_content))["features"]}


def test_layers_take_date_from_and_date_to_with_datetime(client, observations):
    """Before: date_from/date_to were not layer parameters (the OGC API answered 400, unknown parameter)."""
    visible = Observation.objects.filter(subject="object", location__isnull=False)
    march = {"date_from": "2025-03-01", "date_to": "2025-03-31"}
    expected = set(visible.filter(observed_on__range=(dt.date(2025, 3, 1), dt.date(2025, 3, 31)))
                   .values_list("id", flat=True))
    assert expected
    assert _feature_ids(client.get(OGC_ITEMS, {**march, "limit": 1000})) == expected
    assert _feature_ids(client.get(LAYER, march)) == expected
    # with datetime too, both apply: the tighter bounds
    narrower = client.get(OGC_ITEMS, {**march, "datetime": "2025-03-10/..", "limit": 1000})
    assert _feature_ids(narrower) == set(
        visible.filter(observed_on__range=(dt.date(2025, 3, 10), dt.date(2025, 3, 31))).values_list("id", flat=True))
