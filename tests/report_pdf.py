"""A report PDF as a person gets it: report.pdf redirects to the progress page, the worker makes the file, the page
offers it. `fetch_pdf` runs the job's body here, in the test's transaction (geo_indi.maps.report_pdfs.render, what
the job report_pdf runs); tests/test_report_pdfs.py runs the real worker."""
import re

from django.urls import resolve

from geo_indi.maps.report_pdfs import render


def status_url(client, url, **headers):
    """The progress page report.pdf redirects to."""
    response = client.get(url, **headers)
    assert response.status_code == 302, (response.status_code, response.content[:300])
    assert resolve(response["Location"]).url_name == "report-pdf-status"
    return response["Location"]


def download_url(page_html):
    found = re.search(r'id="report-pdf-link" href="([^"]+)"', page_html)
    return found.group(1) if found else ""


def fetch_pdf(client, url, **headers):
    """The response of the PDF's download once the job has made it (asserted ready)."""
    status = status_url(client, url, **headers)
    render(str(resolve(status).kwargs["pk"]))
    page = client.get(status, **headers)
    assert page.status_code == 200
    link = download_url(page.content.decode())
    assert link, page.content.decode()
    return client.get(link)
