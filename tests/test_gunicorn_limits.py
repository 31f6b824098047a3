"""gunicorn answered an over-long address (414), an over-long header (431) and too many headers as a bare
HTML page before Django. Its limits are lifted (one over-long header still gets gunicorn's own 431: open) and Django answers them in the client's shape."""
import requests

from geo_indi.core.errors import MAX_URI_LENGTH

from .test_operations_server import serve_gunicorn


def test_the_real_server_answers_oversized_requests_in_the_clients_shape(db, tmp_path):
    with serve_gunicorn(tmp_path) as (url, _log):
        long_query = "x" * (MAX_URI_LENGTH + 100)  # beyond gunicorn's old 4094 and its 8190 maximum
        api = requests.get(f"{url}/api/phenomena/?q={long_query}", timeout=30)
        ogc = requests.get(f"{url}/ogcapi/collections?f={long_query}", timeout=30)
        many = requests.get(f"{url}/ogcapi/", headers={f"X-H{i}": "1" for i in range(150)}, timeout=30)
        page = requests.get(f"{url}/maps/?q={long_query}", timeout=30)
    assert api.status_code == 414 and api.json()["code"] == "uri_too_long" and api.json()["request_id"]
    assert ogc.status_code == 414 and ogc.json()["code"] == "URITooLong" and set(ogc.json()) == {"code", "description"}
    assert many.status_code == 431 and many.json()["code"] == "RequestHeaderFieldsTooLarge"
    assert page.status_code == 414 and page.headers["Content-Type"].startswith("text/html")
