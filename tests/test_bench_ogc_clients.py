"""The OGC paging bench's clients against the live server: the HTTP pager and pyogrio's GDAL."""
import json
import os
import subprocess
import sys

import pytest
from django.contrib.auth.models import AnonymousUser

from bench import workloads
from geo_indi.observations.models import Observation

from .test_layers_fixtures import layer_scenario  # noqa: F401


def test_http_pager_follows_every_next_link_and_counts_without_parsing(
    live_server, transactional_db, layer_scenario, tmp_path  # noqa: F811
):
    expected = Observation.objects.object_points_for(AnonymousUser()).count()
    assert expected == 3  # the scenario's three published object points
    out = tmp_path / "pages.json"
    features, pages = workloads.http_pager(
        f"{live_server.url}/ogcapi/collections/observations/items", {"Accept": "application/json"}, out, limit=2
    )
    assert (features, pages) == (3, 2)
    written = out.read_text()
    second = json.loads(written[written.index("}\n{") + 2:])  # the pages one after another on disk
    assert second["numberReturned"] == 1 and "numberMatched" not in second


@pytest.mark.gdal
def test_pyogrio_reads_the_collection_as_the_signed_in_user(
    live_server, transactional_db, layer_scenario, tmp_path  # noqa: F811
):
    """GDAL 3.12 (pyogrio's own) sends the token from GDAL_HTTP_HEADER_FILE and follows the next links."""
    bundled = workloads.pyogrio_version()
    if not bundled or not bundled[1]:
        pytest.skip("pyogrio without the OAPIF driver")
    from rest_framework.authtoken.models import Token

    admin = layer_scenario["users"]["admin"]
    header_file = tmp_path / "headers.txt"
    header_file.write_text(f"Authorization: Token {Token.objects.create(user=admin).key}\n")
    env = dict(os.environ, GDAL_HTTP_HEADER_FILE=str(header_file))
    run = subprocess.run([sys.executable, "-c", workloads.PYOGRIO_CLIENT, f"OAPIF:{live_server.url}/ogcapi",
                          "observations", "2"], capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 0, run.stderr
    assert int(run.stdout.split()[-1]) == Observation.objects.object_points_for(admin).count() == 4
