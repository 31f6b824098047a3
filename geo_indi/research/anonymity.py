"""k-anonymity of an extract's record table: the check, written once, and the generalisation that passes it.

A quasi-identifier is a column someone could know of a person from elsewhere (when and where they were seen,
what about, by which organisation, how many). A class is the set of rows sharing every quasi-identifier's
value; the table is k-anonymous when every class has at least k rows (k = settings.SUPPRESSION_K, the same k
as the suppression of published counts). `small_classes` is the check: the builder runs it on the CSV it wrote
and refuses to finish on any class under k, and the tests run it on the CSV they downloaded.

`k_anonymise` makes the rows pass: rows in classes under k lose their month (kept: the year), then, if their
class is still under k, their postcode area (kept: the municipality); rows still in a class under k are dropped.
A generalised value is an empty cell, its own value in the check: a row with a month and one without never
share a class.
"""
import csv
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

# Every column of an extract that is a quasi-identifier, wherever it appears.
QUASI_IDENTIFIERS = ("year", "month", "municipality", "postcode", "phenomenon", "subject", "direction",
                     "occurrences", "organisation")
# In order: the column emptied in the rows of classes under k (month -> year, postcode area -> municipality).
GENERALISATIONS = ("month", "postcode")
GENERALISED = ""

Row = Mapping[str, object]


def quasi_identifiers_of(columns: Iterable[str]) -> list[str]:
    """The quasi-identifiers among a table's columns, in the table's order."""
    return [c for c in columns if c in QUASI_IDENTIFIERS]


def class_sizes(rows: Iterable[Row], quasi_identifiers: Sequence[str]) -> Counter:
    """{class (the quasi-identifiers' values as text): rows in it}."""
    return Counter(tuple(str(row[q]) for q in quasi_identifiers) for row in rows)


def small_classes(csv_path: Path | str, k: int) -> dict[tuple[str, ...], int]:
    """The classes of a CSV table with fewer than k rows ({} when the table is k-anonymous). The
    quasi-identifiers are the table's columns named in QUASI_IDENTIFIERS."""
    with open(csv_path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        qis = quasi_identifiers_of(reader.fieldnames or [])
        sizes = class_sizes(reader, qis)
    return {cls: n for cls, n in sizes.items() if n < k}


def k_anonymise(rows: list[dict], columns: Sequence[str], k: int) -> tuple[list[dict], dict]:
    """The rows generalised (and some dropped) so that every class has at least k; with the report
    {"rows_in": n, "generalised": {column: rows}, "dropped": rows, "rows_out": n} the package publishes."""
    qis = quasi_identifiers_of(columns)
    steps = [column for column in GENERALISATIONS if column in qis]
    for column in steps:
        sizes = class_sizes(rows, qis)
        for row in rows:
            if sizes[tuple(str(row[q]) for q in qis)] < k:
                row[column] = GENERALISED
    sizes = class_sizes(rows, qis)
    kept = [row for row in rows if sizes[tuple(str(row[q]) for q in qis)] >= k]
    # Months and postcode areas are never empty in the data: an empty one in a kept row was generalised.
    generalised = {column: sum(row[column] == GENERALISED for row in kept) for column in steps}
    return kept, {"rows_in": len(rows), "generalised": generalised, "dropped": len(rows) - len(kept),
                  "rows_out": len(kept)}
