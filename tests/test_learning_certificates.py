"""Certificates: only when every required module is completed; public verification."""

from __future__ import annotations

from conftest import make_user, soup
from factories import make_module

from koalicje.learning import certificates, progress
from models import Certificate


def test_certificate_only_when_earned(client, auth, database):
    learner = make_user(name="Barbara Uczennica")
    first = make_module(slug="jeden", position=1)
    second = make_module(slug="dwa", position=2)
    make_module(slug="extra", position=3, required=False)
    auth.as_user(learner)
    page = soup(client.get("/learning/certificate"))
    assert not page.select(".certificate-code")
    assert [a["href"] for a in page.select("main li a")] == ["/learning/jeden", "/learning/dwa"]
    assert Certificate.select().count() == 0
    progress.set_watched(learner, first)
    assert certificates.issue_if_earned(learner) is None
    progress.set_watched(learner, second)
    page = soup(client.get("/learning/certificate"))
    code = page.select_one(".certificate-code").text
    assert certificates.normalize_code(code) == code
    assert page.select_one("#certificate-name").text == "Barbara Uczennica"
    assert len(page.select(".certificate-modules li")) == 2  # the optional one is not required
    # Visiting again shows the same certificate.
    again = soup(client.get("/learning/certificate"))
    assert again.select_one(".certificate-code").text == code
    assert Certificate.select().count() == 1


def test_anyone_can_verify_a_code_unknown_is_404(client, database):
    learner = make_user(name="Jan Weryfikowany")
    module = make_module()
    progress.set_watched(learner, module)
    issued = certificates.issue_if_earned(learner)
    page = client.get(f"/certificates/{issued.code}")  # not signed in
    assert page.status_code == 200
    tree = soup(page)
    assert tree.select_one("#certificate-name").text == "Jan Weryfikowany"
    assert tree.select_one(".verified")
    assert client.get(f"/certificates/{issued.code.lower()}").status_code == 200
    assert client.get("/certificates/ABCD-EFGH-JKMN").status_code == 404
    assert client.get("/certificates/not-a-code").status_code == 404
    lookup = client.get(f"/certificates/?code={issued.code.replace('-', '').lower()}")
    assert lookup.status_code == 303 and lookup.headers["Location"].endswith(issued.code)
    assert client.get("/certificates/?code=xyz").status_code == 422


def test_certificate_page_is_printable(client, auth, database):
    learner = make_user()
    progress.set_watched(learner, make_module())
    auth.as_user(learner)
    page = soup(client.get("/learning/certificate"))
    assert page.select_one('link[rel=stylesheet][media=print]')
    assert page.select_one("button[data-print]")


def test_no_modules_no_certificate(client, auth, database):
    auth.as_user(make_user())
    assert not soup(client.get("/learning/certificate")).select(".certificate-code")
    assert Certificate.select().count() == 0


def _pdf_title(pdf: bytes) -> str:
    import re

    hex_title = re.search(rb"/Title <([0-9a-fA-F]+)>", pdf).group(1)
    return bytes.fromhex(hex_title.decode()).decode("utf-16")


def test_certificate_downloads_as_a_pdf_with_code_url_and_polish_letters(client, auth,
                                                                         database):
    learner = make_user(name="Żaneta Łęcka-Gąsiorowska")
    progress.set_watched(learner, make_module())
    auth.as_user(learner)
    page = soup(client.get("/learning/certificate"))
    link = page.select_one(".certificate-actions a[download]")
    assert link["href"] == "/learning/certificate.pdf"
    response = client.get(link["href"])
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    pdf = response.get_data()
    assert pdf.startswith(b"%PDF-")
    code = Certificate.get().code
    assert code in response.headers["Content-Disposition"]
    assert _pdf_title(pdf).endswith("Żaneta Łęcka-Gąsiorowska")
    assert f"/URI (http://localhost/certificates/{code})".encode() in pdf
    assert pdf.count(b"/FontFile2") == 2  # DejaVu Sans embedded (regular, bold)


def test_certificate_pdf_before_it_is_earned_leads_to_what_is_missing(client, auth, database):
    make_module()
    auth.as_user(make_user())
    response = client.get("/learning/certificate.pdf")
    assert response.status_code == 303
    assert response.headers["Location"] == "/learning/certificate"
