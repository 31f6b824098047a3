"""Import indicators and municipal values from THL Sotkanet's REST API 1.1 (or a saved file).

Everything is fetched and validated first, then written in one transaction, so a
timeout, an HTTP error or a malformed payload leaves the database unchanged.
"""
import json
import math
from dataclasses import dataclass, field

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from geo_indi.areas.models import Municipality

from .models import Indicator, IndicatorValue
from .population import POPULATION_INDICATOR_ID, population_from_indicator

DEFAULT_TIMEOUT_SECONDS = 30
MUNICIPALITY_CATEGORY = "KUNTA"


class SotkanetError(Exception):
    """One clear line for the operator; nothing was written."""


@dataclass
class ImportReport:
    indicators: int = 0
    values_written: int = 0
    values_outside_coverage: int = 0
    values_without_number: int = 0
    messages: list = field(default_factory=list)


def parse_years(text):
    """'2015-2024' or '2020' or '2015,2017' -> sorted list of ints."""
    years = set()
    try:
        for part in str(text).split(","):
            part = part.strip()
            if "-" in part:
                start, end = (int(x) for x in part.split("-", 1))
                if end < start:
                    raise ValueError
                years.update(range(start, end + 1))
            else:
                years.add(int(part))
    except ValueError:
        raise SotkanetError(f"Cannot read years {text!r}: give e.g. 2015-2024 or 2020.")
    if not years or min(years) < 1900 or max(years) > 2100:
        raise SotkanetError(f"Years {text!r} are out of range.")
    return sorted(years)


class HttpSource:
    """Reads Sotkanet's REST 1.1 endpoints."""

    def __init__(self, base_url=None, timeout=None):
        self.base_url = (base_url or settings.SOTKANET_API_URL).rstrip("/")
        self.timeout = timeout or getattr(settings, "SOTKANET_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS)

    def _get(self, path, params=None):
        url = f"{self.base_url}{path}"
        try:
            response = requests.get(url, params=params, timeout=self.timeout)
        except requests.Timeout:
            raise SotkanetError(f"Sotkanet did not answer within {self.timeout} s: {url}")
        except requests.RequestException as exc:
            raise SotkanetError(f"Cannot reach Sotkanet at {url}: {exc.__class__.__name__}")
        if response.status_code != 200:
            raise SotkanetError(f"Sotkanet answered HTTP {response.status_code} for {url}")
        try:
            return response.json()
        except ValueError:
            raise SotkanetError(f"Sotkanet sent a body that is not JSON for {url}")

    def indicator(self, indicator_id):
        return self._get(f"/indicators/{indicator_id}")

    def regions(self):
        return self._get("/regions")

    def values(self, indicator_id, years):
        return self._get("/json", params=[("indicator", indicator_id), *[("years", y) for y in years], ("genders", "total")])


class FileSource:
    """A saved file: {"indicators": [<metadata>...], "regions": [...], "values": [...]}, each in the API's shape."""

    def __init__(self, path):
        try:
            with open(path, encoding="utf-8") as fh:
                self.data = json.load(fh)
        except OSError as exc:
            raise SotkanetError(f"Cannot read {path}: {exc.strerror}")
        except ValueError:
            raise SotkanetError(f"{path} is not valid JSON")
        if not isinstance(self.data, dict) or not {"indicators", "regions", "values"} <= set(self.data):
            raise SotkanetError(f"{path} must be an object with keys indicators, regions and values")

    def indicator(self, indicator_id):
        for item in self.data["indicators"] or []:
            if isinstance(item, dict) and item.get("id") == indicator_id:
                return item
        raise SotkanetError(f"Indicator {indicator_id} is not in the file")

    def regions(self):
        return self.data["regions"]

    def values(self, indicator_id, years):
        rows = self.data["values"]
        if not isinstance(rows, list):
            return rows  # rejected by validation
        return [r for r in rows if not isinstance(r, dict) or (r.get("indicator") == indicator_id and r.get("year") in years)]


def _text(obj, lang):
    if isinstance(obj, dict):
        value = obj.get(lang) or ""
        return value if isinstance(value, str) else ""
    return ""


def _number(value, where):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SotkanetError(f"Malformed payload: {where} is not a number")
    return float(value)


def validate_indicator(payload, indicator_id):
    if not isinstance(payload, dict) or payload.get("id") != indicator_id or not isinstance(payload.get("title"), dict):
        raise SotkanetError(f"Malformed payload: metadata of indicator {indicator_id} lacks id or title")
    title_fi = _text(payload["title"], "fi")
    if not title_fi:
        raise SotkanetError(f"Malformed payload: indicator {indicator_id} has no Finnish title")
    value_type = payload.get("primaryValueType") or {}
    organisation = payload.get("organization") or {}
    decimals = payload.get("decimals")
    return {
        "title_fi": title_fi[:500],
        "title_sv": _text(payload["title"], "sv")[:500],
        "title_en": _text(payload["title"], "en")[:500],
        "unit": _text(value_type.get("title") if isinstance(value_type, dict) else None, "fi")[:200],
        "decimals": decimals if isinstance(decimals, int) and 0 <= decimals < 100 else None,
        "source_organisation": _text(organisation.get("title") if isinstance(organisation, dict) else None, "fi")[:300],
        "description_fi": _text(payload.get("description"), "fi"),
        "description_sv": _text(payload.get("description"), "sv"),
        "description_en": _text(payload.get("description"), "en"),
    }


def municipality_regions(payload):
    """Sotkanet region id -> official 3-digit municipality code."""
    if not isinstance(payload, list):
        raise SotkanetError("Malformed payload: regions is not a list")
    result = {}
    for item in payload:
        if not isinstance(item, dict) or not isinstance(item.get("id"), int):
            raise SotkanetError("Malformed payload: a region lacks an id")
        if item.get("category") == MUNICIPALITY_CATEGORY:
            code = str(item.get("code", "")).strip()
            if not code.isdigit():
                raise SotkanetError(f"Malformed payload: region {item['id']} has no municipality code")
            result[item["id"]] = code.zfill(3)
    return result


def validate_values(payload, indicator_id, years):
    if not isinstance(payload, list):
        raise SotkanetError(f"Malformed payload: values of indicator {indicator_id} are not a list")
    rows = []
    for i, item in enumerate(payload):
        if not isinstance(item, dict):
            raise SotkanetError(f"Malformed payload: value row {i} is not an object")
        region, year, gender = item.get("region"), item.get("year"), item.get("gender", "total")
        if not isinstance(region, int) or not isinstance(year, int) or not isinstance(gender, str):
            raise SotkanetError(f"Malformed payload: value row {i} lacks region, year or gender")
        if item.get("indicator", indicator_id) != indicator_id:
            raise SotkanetError(f"Malformed payload: value row {i} belongs to another indicator")
        if year not in years:
            continue
        rows.append((region, year, gender[:10], _number(item.get("value"), f"value of row {i}"),
                     _number(item.get("absValue"), f"absValue of row {i}")))
    return rows


def import_steps(indicator_ids):
    """How many progress steps an import of these indicators reports: regions, two per indicator, the write."""
    return 2 + 2 * len(indicator_ids)


def import_indicators(indicator_ids, years, source, progress=None):
    """Fetch and validate everything, then write it in one transaction. Raises SotkanetError.

    progress(step, text), if given, is called after each fetch and after the write.
    """
    report = ImportReport()
    step = 0

    def done(text):
        nonlocal step
        step += 1
        if progress:
            progress(step, text)

    regions = municipality_regions(source.regions())
    done("regions")
    metadata, values = {}, {}
    for i in indicator_ids:
        metadata[i] = validate_indicator(source.indicator(i), i)
        done(f"indicator {i}")
        values[i] = validate_values(source.values(i, years), i, years)
        done(f"values of {i}")

    municipality_by_code = dict(Municipality.objects.values_list("code", "id"))
    now = timezone.now()
    with transaction.atomic():
        for sotkanet_id in indicator_ids:
            if Indicator.objects.filter(sotkanet_id=sotkanet_id, is_sample=True).exists():
                IndicatorValue.objects.filter(indicator__sotkanet_id=sotkanet_id).delete()  # THL's data replaces the sample
            indicator, _ = Indicator.objects.update_or_create(
                sotkanet_id=sotkanet_id, defaults={**metadata[sotkanet_id], "imported_at": now, "is_sample": False}
            )
            report.indicators += 1
            objects = {}  # the last row wins if the payload repeats a key
            for region, year, gender, value, abs_value in values[sotkanet_id]:
                municipality_id = municipality_by_code.get(regions.get(region))
                if municipality_id is None:
                    report.values_outside_coverage += 1
                    continue
                if value is None and abs_value is None:
                    report.values_without_number += 1
                    continue
                objects[(municipality_id, year, gender)] = IndicatorValue(
                    indicator=indicator, municipality_id=municipality_id, year=year,
                    gender=gender, value=value, absolute_value=abs_value)
            IndicatorValue.objects.bulk_create(
                list(objects.values()), update_conflicts=True,
                unique_fields=["indicator", "municipality", "year", "gender"],
                update_fields=["value", "absolute_value"],
            )
            report.values_written += len(objects)
        if POPULATION_INDICATOR_ID in indicator_ids:
            population_from_indicator()
    done("written")
    return report
