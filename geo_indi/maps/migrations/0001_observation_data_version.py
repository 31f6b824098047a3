"""Formerly created the observations' data-version sequence; the sequence now belongs to observations
(observations migration 0005, which takes over and drops what this migration made on older databases).

Kept as a no-op so that databases that applied it and fresh ones have the same migration history.
"""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("observations", "0002_phenomenon_examples")]

    operations = []
