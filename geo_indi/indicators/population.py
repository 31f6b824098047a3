"""Municipal population from Sotkanet's population indicator (127, "Väkiluku"): the per-1,000 maps divide by it."""
from django.db import connection

POPULATION_INDICATOR_ID = 127


def population_from_indicator():
    """Set each municipality's population to the indicator's latest total value. Runs in the caller's
    transaction, right after the values are written, so the two never disagree. Returns the number changed."""
    with connection.cursor() as cur:
        cur.execute(
            """
            UPDATE areas_municipality m SET population = latest.value
              FROM (SELECT DISTINCT ON (v.municipality_id) v.municipality_id, round(v.value)::int AS value
                      FROM indicators_indicatorvalue v JOIN indicators_indicator i ON i.id = v.indicator_id
                     WHERE i.sotkanet_id = %s AND v.gender = 'total' AND v.value IS NOT NULL AND v.value >= 0
                     ORDER BY v.municipality_id, v.year DESC) latest
             WHERE m.id = latest.municipality_id AND m.population IS DISTINCT FROM latest.value
            """,
            [POPULATION_INDICATOR_ID],
        )
        return cur.rowcount


def population_year(municipality):
    """(population, year) as the indicator gives it for the municipality, or (None, None)."""
    from .models import IndicatorValue

    latest = (IndicatorValue.objects.filter(indicator__sotkanet_id=POPULATION_INDICATOR_ID, municipality=municipality,
                                            gender="total", value__isnull=False).order_by("-year").first())
    return (round(latest.value), latest.year) if latest else (None, None)
