"""The report's table as files officials open in Finnish Excel or Power BI: CSV (`;`, BOM), XLSX and PDF.

Only formatting: every number is one of MapData's, which come from
geo_indi.publication. Headers and filters in the page language.
"""
import csv
import io

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import formats
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from geo_indi.core.spreadsheet import spreadsheet_safe
from geo_indi.observations import suppression

from .services import in_unit, other_unit, unit_title

CSV_DELIMITER = ";"  # Finnish Excel's list separator (the decimal separator is a comma)
BOM = "\ufeff"  # tells Excel the file is UTF-8


def area_headers(data):
    """The count, its directions and rate are in the page's unit (data.unit); the last column is the other unit."""
    return [_("Level"), _("Code"), _("Name"), _("Population"), unit_title(data.unit), _("Weakens"), _("Strengthens"),
            _("Per 1,000 inhabitants"), unit_title(other_unit(data.unit))]


def area_rows(municipality, data):
    """Rows of numbers (None: hidden, "": not known or not applicable), the municipality first."""
    other = other_unit(data.unit)
    rows = [[_("Municipality"), municipality.code, municipality.name_fi, _known(municipality.population),
             data.total, data.weakens, data.strengthens, _known(data.rate), in_unit(data, other)]]
    for row in data.areas:
        rows.append([_("Postcode area"), row.code, row.name, _known(row.population), row.count, row.weakens,
                     row.strengthens, _known(row.rate), in_unit(row, other)])
    return rows


def _known(value):
    """A value that is unknown (not hidden) is an empty cell; None in a row means hidden."""
    return "" if value is None else value


def trend_headers(data=None):
    unit = f" ({unit_title(data.unit).lower()})" if data is not None else ""
    return [_("Month"), _("Weakens") + unit, _("Strengthens") + unit]


def trend_rows(data):
    return [[row["month"].strftime("%Y-%m"), row["weakens"], row["strengthens"]] for row in data.trend]


def _text(value):
    """A cell as text for a CSV in the page language: hidden as "..", decimals with the language's separator."""
    if value is None:
        return suppression.HIDDEN
    if isinstance(value, float):
        return formats.number_format(value, 2, use_l10n=True)
    if isinstance(value, str):
        return spreadsheet_safe(value)
    return str(value)


def report_csv(municipality, data):
    """The postcode-area table as CSV for Finnish Excel: BOM, `;`, one header row in the page language."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow(area_headers(data))
    for row in area_rows(municipality, data):
        writer.writerow([_text(v) for v in row])
    return out.getvalue().encode("utf-8")


def _sheet(workbook, title, headers, rows, first=False):
    sheet = workbook.active if first else workbook.create_sheet()
    sheet.title = title[:31]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([suppression.HIDDEN if v is None else (spreadsheet_safe(v) if isinstance(v, str) else v)
                      for v in row])
    for column, header in zip(sheet.columns, headers):
        sheet.column_dimensions[column[0].column_letter].width = max(10, len(str(header)) + 2)
    sheet.freeze_panes = "A2"
    return sheet


def report_xlsx(municipality, data, filters_in_words):
    """Sheets: postcode areas, monthly trend (when shown), filters; numbers stay numbers, hidden ones are ".."."""
    workbook = Workbook()
    _sheet(workbook, _("Postcode areas"), area_headers(data), area_rows(municipality, data), first=True)
    if data.trend:
        _sheet(workbook, _("Monthly trend"), trend_headers(data), trend_rows(data))
    _sheet(workbook, _("Filters used"), [_("Filter"), _("Value")], [list(pair) for pair in filters_in_words])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def report_pdf(request, context):
    """The report rendered by WeasyPrint (A4 portrait) from its own template: no scripts, an SVG map."""
    from weasyprint import HTML  # imported here: loading pango costs time that other pages do not need

    html = render_to_string("maps/report_pdf.html", context, request=request)
    return HTML(string=html, url_fetcher=_fetch_nothing).write_pdf()


def _fetch_nothing(url, *args, **kwargs):
    raise ValueError(f"the PDF fetches nothing: {url}")


def print_css():
    """The PDF's styles, inlined: WeasyPrint fetches nothing."""
    with open(finders.find("maps/report-pdf.css"), encoding="utf-8") as fh:
        return fh.read()
