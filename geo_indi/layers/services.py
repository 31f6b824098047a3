"""The GIS layers: what each one contains for a user and the SQL that produces it.

Every layer is described by SQL pieces (FROM/WHERE, an id, a geometry in the
storage SRID, property columns). The output writers in streaming.py and
exports.py turn those into GeoJSON (built by PostGIS), CSV and GeoPackage.

Visibility: object points come from Observation.objects.object_points_for(user);
counts from geo_indi.publication.counts, the one source of published numbers
(exact in the viewer's own municipalities, the published tables elsewhere).
Description, follow-up note, reporter and organisation never appear in any layer.
"""
import json
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from geo_indi.areas.models import Municipality, PostcodeArea
from geo_indi.observations import suppression
from geo_indi.observations.filters import FILTER_NAMES
from geo_indi.observations.models import Observation, Phenomenon
from geo_indi.publication import counts as published

from .params import LayerParamError, LayerQuery


@dataclass
class Column:
    name: str
    sql: str  # an SQL expression over the layer's FROM
    kind: str = "string"  # string | integer | boolean | date


@dataclass
class LayerSQL:
    """FROM ... WHERE ... of a layer, its id and geometry expressions, its columns."""

    from_where: str
    params: list
    id_sql: str
    geom_sql: str
    columns: list
    geometry_type: str
    count_query: tuple | None = None  # (sql, params) counting the features more cheaply than from_where


class Layer:
    id = ""
    title = ""
    description = ""
    geometry_type = ""
    id_is_integer = False
    # The shared filters that select this layer's features or what its counts count (the queryables).
    filters: tuple[str, ...] = FILTER_NAMES
    # Whether its features have observation dates (a temporal extent; `datetime` selects them).
    temporal = True

    def sql(self, user, query: LayerQuery) -> LayerSQL:
        raise NotImplementedError

    def columns(self, user) -> list[Column]:
        """The property columns a user gets (names and kinds), without running the layer's query."""
        raise NotImplementedError

    @staticmethod
    def _bbox_sql(query, geom_sql):
        """SQL condition and params for the bbox (index-friendly && then intersects)."""
        if query.bbox_empty:
            return " AND FALSE", []
        if query.bbox_polygon is None:
            return "", []
        ewkb = bytes(query.bbox_polygon.ewkb)
        return (
            f" AND {geom_sql} && ST_GeomFromEWKB(%s) AND ST_Intersects({geom_sql}, ST_GeomFromEWKB(%s))",
            [ewkb, ewkb],
        )


def _table(model):
    return model._meta.db_table


class ObservationPointsLayer(Layer):
    id = "observations"
    title = _("Object observations")
    description = _(
        "Observations about places and things as points. Observations about people are never points: "
        "see the area statistics layers."
    )
    geometry_type = "Point"
    id_is_integer = True

    # property -> (lookup on Observation, kind)
    PROPERTIES = {
        "id": ("id", "integer"),
        "phenomenon": ("phenomenon__slug", "string"),
        "phenomenon_name": ("phenomenon__name_fi", "string"),
        "category": ("category__slug", "string"),
        "category_name": ("category__name_fi", "string"),
        "direction": ("direction", "string"),
        "occurrences": ("occurrences", "integer"),
        "observed_on": ("observed_on", "date"),
        "postcode": ("postcode_area__postcode", "string"),
        "municipality_code": ("municipality__code", "string"),
        "municipality_name": ("municipality__name_fi", "string"),
    }

    def _selected_sql(self, qs):
        """The queryset as SQL selecting id, location and every property as layer_<name>."""
        qs = qs.order_by().annotate(
            **{f"layer_{name}": F(lookup) for name, (lookup, _kind) in self.PROPERTIES.items()}
        ).values("id", "location", *(f"layer_{name}" for name in self.PROPERTIES))
        return qs.query.sql_with_params()

    def columns(self, user):
        return [Column(name, f"sel.layer_{name}", kind) for name, (_lookup, kind) in self.PROPERTIES.items()]

    def sql(self, user, query):
        qs = Observation.objects.object_points_for(user).filter(query.observation_q())
        if query.bbox_polygon is not None:
            qs = qs.filter(location__intersects=query.bbox_polygon)
        if query.bbox_empty:
            qs = qs.filter(pk__lt=0)
        try:
            selected_sql, params = self._selected_sql(qs)
            matched_sql, matched_params = qs.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:
            qs = Observation.objects.filter(pk__lt=0)
            selected_sql, params = self._selected_sql(qs)
            matched_sql, matched_params = qs.order_by().values("pk").query.sql_with_params()
        # One scan of the observations, joined by Django's ORM (visibility rules included),
        # wrapped as a derived table: no self-join whose plan depends on table statistics.
        from_where = f" FROM ({selected_sql}) AS sel WHERE TRUE"
        columns = self.columns(user)
        # numberMatched counts the filtered rows without the joins that only name the properties.
        count_query = (f"SELECT count(*) FROM ({matched_sql}) AS matched", list(matched_params))
        return LayerSQL(from_where, list(params), "sel.id", "sel.location", columns, self.geometry_type, count_query)


class PostcodeAreasLayer(Layer):
    id = "postcode-areas"
    title = _("Postcode areas")
    description = _("Postcode areas (Statistics Finland Paavo, CC BY 4.0), geography only.")
    geometry_type = "MultiPolygon"
    level = "postcode_area"
    id_sql = "a.postcode"
    filters: tuple[str, ...] = ("municipality", "postcode")
    temporal = False

    def columns(self, user):
        return self.base_columns()

    def base_columns(self):
        return [
            Column("postcode", "a.postcode"),
            Column("name_fi", "a.name_fi"),
            Column("name_sv", "a.name_sv"),
            Column("municipality_code", "m.code"),
            Column("municipality_name", "m.name_fi"),
        ]

    def from_where(self, query):
        sql = (
            f" FROM {_table(PostcodeArea)} a JOIN {_table(Municipality)} m ON m.id = a.municipality_id"
            " WHERE TRUE"
        )
        params = []
        if query.filters.get("municipality"):
            sql += " AND m.code = %s"
            params.append(query.filters["municipality"])
        if query.filters.get("postcode"):
            sql += " AND a.postcode = %s"
            params.append(query.filters["postcode"])
        bbox_sql, bbox_params = self._bbox_sql(query, "a.geom")
        return sql + bbox_sql, params + bbox_params

    def sql(self, user, query):
        from_where, params = self.from_where(query)
        return LayerSQL(from_where, params, self.id_sql, "a.geom", self.base_columns(), self.geometry_type)


class MunicipalitiesLayer(PostcodeAreasLayer):
    id = "municipalities"
    title = _("Municipalities")
    description = _("Municipalities, geography only.")
    level = "municipality"
    id_sql = "a.code"

    def base_columns(self):
        return [
            Column("code", "a.code"),
            Column("name_fi", "a.name_fi"),
            Column("name_sv", "a.name_sv"),
        ]

    def from_where(self, query):
        sql = f" FROM {_table(Municipality)} a WHERE TRUE"
        params = []
        if query.filters.get("municipality"):
            sql += " AND a.code = %s"
            params.append(query.filters["municipality"])
        if query.filters.get("postcode"):
            sql += f" AND a.id IN (SELECT municipality_id FROM {_table(PostcodeArea)} WHERE postcode = %s)"
            params.append(query.filters["postcode"])
        bbox_sql, bbox_params = self._bbox_sql(query, "a.geom")
        return sql + bbox_sql, params + bbox_params


def stats_phenomena(user, query):
    """Phenomena that get their own columns in the statistics layers, for this user and filter."""
    qs = Phenomenon.objects.publishable_to(user).order_by("id")
    if query.filters.get("phenomenon"):
        qs = qs.filter(id=query.filters["phenomenon"])
    return list(qs)


class AreaStatsMixin:
    """Counts per area for the filter, as geo_indi.publication.counts publishes them for this user."""

    filters: tuple[str, ...] = FILTER_NAMES
    temporal = True

    def columns(self, user):
        return self.base_columns() + self.stats_columns(stats_phenomena(user, LayerQuery()))

    def stats(self, user, query):
        filters = {**query.filters, "date_from": query.date_from, "date_to": query.date_to}
        filters = {name: value for name, value in filters.items() if value not in (None, "")}
        try:
            counts = published.area_counts(user, self.level, self.all_areas(), filters, query.unit)
        except published.NotPublished as exc:
            raise LayerParamError({"filters": [str(exc)]}) from None
        phenomena = stats_phenomena(user, query)
        by_key = {}
        key_of = self.key_of_area_ids(counts.rows.keys())
        for area_id, c in counts.rows.items():
            row = {
                "count": c.count,
                "count_label": suppression.label(c.count),
                "suppressed": c.suppressed,
                "unit": query.unit.value,
                "occurrences": c.occurrences,
                "records": c.records,
                "weakens": c.weakens,
                "strengthens": c.strengthens,
            }
            for p in phenomena:
                row[p.slug] = c.by_phenomenon.get(p.id, 0 if c.exact else None)
            by_key[key_of[area_id]] = row
        return by_key, phenomena

    def stats_columns(self, phenomena):
        def num(name):
            return Column(name, f"CASE WHEN s.v IS NULL THEN 0 ELSE (s.v->>'{name}')::int END", "integer")

        columns = [
            num("count"),
            Column("count_label", "coalesce(s.v->>'count_label', '0')"),
            Column("suppressed", "coalesce((s.v->>'suppressed')::boolean, false)", "boolean"),
            Column("unit", "s.v->>'unit'"),
            num("occurrences"),
            num("records"),
            num("weakens"),
            num("strengthens"),
        ]
        for p in phenomena:
            columns.append(num(p.slug))
        return columns

    def sql(self, user, query):
        by_key, phenomena = self.stats(user, query)
        base = super().sql(user, query)
        from_where = base.from_where.replace(
            " WHERE TRUE",
            f" LEFT JOIN jsonb_each(%s::jsonb) AS s(k, v) ON s.k = {base.id_sql} WHERE TRUE",
            1,
        )
        return LayerSQL(
            from_where,
            [json.dumps(by_key)] + base.params,
            base.id_sql,
            base.geom_sql,
            base.columns + self.stats_columns(phenomena),
            self.geometry_type,
        )


class PostcodeAreaStatsLayer(AreaStatsMixin, PostcodeAreasLayer):
    id = "postcode-area-stats"
    title = _("Observations per postcode area")
    description = _(
        "Counts of observations per postcode area and per phenomenon. Outside your organisation: one calendar "
        "year (year=, default this year), small counts and zeros hidden: null with count_label '..' and suppressed=true."
    )

    def key_of_area_ids(self, ids):
        return dict(PostcodeArea.objects.filter(id__in=list(ids)).values_list("id", "postcode"))

    def all_areas(self):
        return list(PostcodeArea.objects.values_list("id", "municipality_id"))


class MunicipalityStatsLayer(AreaStatsMixin, MunicipalitiesLayer):
    id = "municipality-stats"
    title = _("Observations per municipality")
    description = _(
        "Counts of observations per municipality and per phenomenon. Outside your organisation: one calendar "
        "year (year=, default this year), small counts and zeros hidden: null with count_label '..' and suppressed=true."
    )

    def key_of_area_ids(self, ids):
        return dict(Municipality.objects.filter(id__in=list(ids)).values_list("id", "code"))

    def all_areas(self):
        return [(m, m) for m in Municipality.objects.values_list("id", flat=True)]


LAYERS = {
    layer.id: layer
    for layer in (
        ObservationPointsLayer(),
        PostcodeAreaStatsLayer(),
        MunicipalityStatsLayer(),
        PostcodeAreasLayer(),
        MunicipalitiesLayer(),
    )
}


def get_layer(layer_id):
    """The layer, or None for an unknown id."""
    return LAYERS.get(layer_id)
