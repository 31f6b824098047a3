"""A streamed download holds a transaction (server-side cursor) only while its response is open."""
from django.core.signals import request_finished
from django.db import close_old_connections, connection
from django.http import StreamingHttpResponse

from geo_indi.layers import streaming


def _state():
    return connection.in_atomic_block, list(connection.savepoint_ids)


def _close(response):
    request_finished.disconnect(close_old_connections)  # keep the test's transaction, as the test client does
    try:
        response.close()  # what a server does after the last byte, or when the client goes away
    finally:
        request_finished.connect(close_old_connections)


def test_closing_an_unread_streamed_response_ends_its_transaction(db):
    before = _state()
    rows = streaming.iter_rows("SELECT generate_series(1, 10)", [], chunk_rows=2)
    response = StreamingHttpResponse(streaming.started(rows))
    assert _state() != before  # the query has run: its transaction is open while the body waits
    _close(response)
    assert _state() == before


def test_unread_and_read_downloads_end_their_transactions(client, small_geography):
    before = _state()
    for url in ("/api/layers/postcode-areas.geojson", "/api/layers/postcode-areas.csv",
                "/ogcapi/collections/postcode-areas/items?limit=2"):
        response = client.get(url)
        assert response.status_code == 200 and response.streaming, url
        _close(response)
        assert _state() == before, url
    response = client.get("/api/layers/postcode-areas.geojson")
    assert b"".join(response.streaming_content).startswith(b"{")
    assert _state() == before


def test_a_stream_runs_without_jit_and_leaves_the_connection_as_it_was(transactional_db):
    """Outside a test transaction, as in a request: the setting ends with the stream's transaction."""
    with connection.cursor() as cur:
        cur.execute("SHOW jit")
        before = cur.fetchone()[0]
    chunks = list(streaming.iter_rows("SELECT current_setting('jit')", []))
    assert chunks == [[("off",)]]
    with connection.cursor() as cur:
        cur.execute("SHOW jit")
        assert cur.fetchone()[0] == before
