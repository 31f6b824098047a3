"""The one split of tests/data/notes_handwritten.csv into a development and a held-out part.

The notes were written by hand (docs/phenomena.md); this script only numbers them and splits them, once:
within each theme × language stratum the notes are shuffled with random.Random(SEED) and the first
ceil(HELD_OUT_SHARE · n) become `heldout`, the rest `dev`. tests/test_understanding_eval.py checks that
the `part` column still follows this rule, so the split cannot drift after thresholds were chosen.
"""
import csv
import math
import random
import sys
from collections import defaultdict
from pathlib import Path

SEED = 23
HELD_OUT_SHARE = 0.4
CSV_PATH = Path(__file__).with_name("notes_handwritten.csv")


def parts(rows: list[dict]) -> dict[str, str]:
    """id -> 'dev' | 'heldout' by the fixed rule."""
    strata: dict[tuple, list[str]] = defaultdict(list)
    for row in rows:
        strata[(row["theme"], row["language"])].append(row["id"])
    result = {}
    for key in sorted(strata):
        ids = sorted(strata[key], key=int)
        random.Random(f"{SEED}:{key[0]}:{key[1]}").shuffle(ids)
        cut = math.ceil(HELD_OUT_SHARE * len(ids))
        for i, note_id in enumerate(ids):
            result[note_id] = "heldout" if i < cut else "dev"
    return result


def main(source: str) -> None:
    rows = []
    for number, line in enumerate(Path(source).read_text(encoding="utf-8").splitlines(), start=1):
        theme, language, text = line.split("|", 2)
        rows.append({"id": str(number), "theme": theme, "language": language, "text": text})
    split = parts(rows)
    with CSV_PATH.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "theme", "language", "part", "text"])
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "part": split[row["id"]]})


if __name__ == "__main__":
    main(sys.argv[1])
