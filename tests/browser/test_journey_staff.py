"""Staff journeys in a real browser, at a phone and a desktop width, with and without JavaScript.

1. A coordinator invites a member; the invitee opens the link in a fresh browser, registers
   and lands signed in on the coalition's page.
2. A trainer filters and sorts the progress matrix, goes Back (the earlier filters, sort and
   table come back), downloads CSV and XLSX of the filtered learners and opens a timeline.
3. An admin changes a user's role and deactivates the account, each after a confirmation
   (htmx: the browser's dialog; without JavaScript: a confirmation page), and sees a message.

Each case asserts what the person sees, and that no page scrolls sideways. One server with a
world of its own serves the whole module (every case uses its own people, so the cases do not
depend on each other's order).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from browser.conftest import serve
from browser.support import seeded_instance, sign_in

pytestmark = pytest.mark.browser
PASSWORD = "haslo-podrozy-1"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
CASES = [(size, js) for size in VIEWPORTS for js in (True, False)]
IDS = [f"{size}-{'js' if js else 'nojs'}" for size, js in CASES]
SOSNY = ["Agata Zając", "Bartosz Ryś", "Celina Łoś"]  # 0, 1 and 2 modules completed
DEBY = ["Dorota Dąb", "Edward Wilk"]


def _seed(folder: Path) -> None:
    """Staff of three roles, two coalitions of learners, and people for the admin to change."""
    from factories import add_member, assign, make_coalition, make_module, progress

    from koalicje import accounts

    with seeded_instance(folder):
        accounts.create_user("admin@example.org", "Alicja Admin", PASSWORD, role="admin")
        trainer = accounts.create_user("trener@example.org", "Tomasz Trener", PASSWORD,
                                       role="trainer")
        sosny = make_coalition(slug="sosny", name="Koalicja Sosny", gmina="Sosny")
        deby = make_coalition(slug="deby", name="Koalicja Dęby", gmina="Dęby")
        assign(trainer, sosny)
        assign(trainer, deby)
        jodly = make_coalition(slug="jodly", name="Koalicja Jodły", gmina="Jodły")
        coordinator = accounts.create_user("koordynator@example.org", "Kinga Koordynatorka",
                                           PASSWORD)
        add_member(coordinator, jodly, role="coordinator")  # not the trainer's: own people
        modules = [make_module(n, quiz=True) for n in (1, 2)]
        for coalition, names in ((sosny, SOSNY), (deby, DEBY)):
            for n, name in enumerate(names):
                person = accounts.create_user(f"{coalition.slug}{n}@example.org", name, PASSWORD)
                add_member(person, coalition)
                for module in modules[: n]:
                    progress(person, module, "completed")
        for n, _case in enumerate(CASES):
            accounts.create_user(f"zmiana{n}@example.org", f"Zofia Zmienna {n}", PASSWORD)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("staff-journeys")
    _seed(folder)
    with serve(folder) as url:
        yield url


@pytest.fixture
def open_context(browser):
    """Contexts made by the test at its viewport and JavaScript setting, closed afterwards."""
    made = []

    def make(size: str, js: bool):
        context = browser.new_context(viewport=VIEWPORTS[size], java_script_enabled=js,
                                      accept_downloads=True)
        context.set_default_timeout(10_000)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


def signed_in_page(open_context, size: str, js: bool, server: str, email: str, path: str,
                   heading: str):
    """A page signed in as `email` at `path`, its heading seen and fitting the width."""
    page = open_context(size, js).new_page()
    sign_in(page, server, email, PASSWORD)
    page.goto(server + path)
    expect(page.locator("h1")).to_have_text(heading)
    fits(page)
    return page


def fits(page) -> None:
    """The page does not scroll sideways at this width."""
    wide = page.evaluate("document.scrollingElement.scrollWidth")
    assert wide <= page.viewport_size["width"], f"{page.url} is {wide}px wide"


def flash(page):
    return page.locator("#flashes .flash-success")


# --- 1. a coordinator invites a member, who registers in a fresh browser --------------------


@pytest.mark.parametrize(("size", "js"), CASES, ids=IDS)
def test_coordinator_invites_a_member_who_registers(server, open_context, size, js):
    email = f"nowa-{size}-{'js' if js else 'nojs'}@example.org"
    name = f"Nowa Osoba {size} {'js' if js else 'nojs'}"
    coordinator = signed_in_page(open_context, size, js, server, "koordynator@example.org",
                                 "/invites/", "Zaproszenia")
    form = coordinator.locator("form[action='/invites/']")
    expect(form.locator("select[name=coalition] option:checked")).to_contain_text("Koalicja Jodły")
    form.locator("input[name=email]").fill(email)
    form.locator("select[name=membership_role]").select_option("member")
    form.locator("select[name=sector]").select_option("ngo")
    form.locator("button[type=submit]").click()
    coordinator.wait_for_url(server + "/invites/")
    ready = coordinator.locator("section.new-link")
    expect(ready.locator("h2")).to_have_text(f"Zaproszenie dla {email} jest gotowe")
    link = ready.locator("#new-invite-url").input_value()
    assert link.startswith(server + "/invite/")
    copy = ready.get_by_role("button", name="Kopiuj link")
    if js:  # the copy button puts the link on the clipboard; without JavaScript it stays hidden
        coordinator.context.grant_permissions(["clipboard-read", "clipboard-write"],
                                              origin=server)
        copy.click()
        expect(ready.get_by_role("button", name="Skopiowano")).to_be_visible()
        link = coordinator.evaluate("navigator.clipboard.readText()")  # what gets pasted
        assert link == ready.locator("#new-invite-url").input_value()
    else:
        expect(ready.locator("button[data-copy]")).to_have_count(1)
        expect(ready.locator("button[data-copy]")).to_be_hidden()
    expect(coordinator.locator("section[aria-labelledby=pending-heading]")).to_contain_text(email)
    fits(coordinator)

    invitee = open_context(size, js).new_page()  # a fresh browser: no cookies of anyone
    invitee.goto(link)
    expect(invitee.locator("h1")).to_have_text("Przyjmij zaproszenie")
    details = invitee.locator("dl.invite-details")
    expect(details).to_contain_text(email)
    expect(details).to_contain_text("Koalicja Jodły")
    fits(invitee)
    invitee.fill("input[name=name]", name)
    invitee.fill("input[name=password]", "nowe-haslo-do-koalicji")
    invitee.fill("input[name=confirm]", "nowe-haslo-do-koalicji")
    invitee.get_by_role("button", name="Załóż konto").click()
    invitee.wait_for_url(server + "/coalitions/jodly")
    expect(flash(invitee)).to_have_text("Witaj w Koalicjach! Twoje konto jest gotowe.")
    expect(invitee.locator("h1")).to_have_text("Koalicja Jodły")
    expect(invitee.locator("main")).to_contain_text(name)  # among the members
    fits(invitee)
    invitee.get_by_role("link", name="Tablica koalicji").click()
    invitee.wait_for_url(server + "/board/jodly")
    expect(invitee.locator("h1")).to_contain_text("Koalicja Jodły")
    fits(invitee)
    invitee.goto(server + "/account/password")  # signed in: the page does not send to /login
    assert invitee.url == server + "/account/password"

    coordinator.goto(server + "/invites/")  # the invite is used: no longer pending
    expect(coordinator.locator("h1")).to_have_text("Zaproszenia")
    assert email not in coordinator.locator("section[aria-labelledby=pending-heading]").inner_text()
    invitee.goto(link)  # and the link works once
    expect(invitee.locator("h1")).not_to_have_text("Przyjmij zaproszenie")


# --- 2. a trainer filters and sorts the matrix, goes Back, downloads, opens a timeline -------


def _names(page):
    """The learners' names in the table's order (expect(...) waits for htmx's swap)."""
    return expect(page.locator("table.progress-matrix tbody [data-col=name]"))


def _filter(page, js: bool, url_part: str) -> None:
    """htmx sends the form as the field changes; without JavaScript the person presses Filtruj."""
    if not js:
        page.get_by_role("button", name="Filtruj").click()
    page.wait_for_url(f"**{url_part}**")


def _download(page, link: str, suffix: str) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("link", name=link).click()
    assert info.value.suggested_filename.endswith(suffix)
    return Path(info.value.path()).read_bytes()


@pytest.mark.parametrize(("size", "js"), CASES, ids=IDS)
def test_trainer_filters_sorts_goes_back_and_downloads(server, open_context, size, js):
    page = signed_in_page(open_context, size, js, server, "trener@example.org",
                          "/trainer/matrix", "Macierz postępów")
    _names(page).to_have_text(SOSNY + DEBY)

    page.select_option("#filter-coalition", "sosny")
    _filter(page, js, "coalition=sosny")
    expect(page.locator(".matrix-summary")).to_contain_text("3 osoby")
    _names(page).to_have_text(SOSNY)
    page.get_by_role("link", name="Ukończone").click()
    page.wait_for_url("**sort=completed**")
    page.get_by_role("link", name="Ukończone").click()
    page.wait_for_url("**dir=desc**")
    expect(page.locator("th[aria-sort=descending]")).to_contain_text("Ukończone")
    _names(page).to_have_text(list(reversed(SOSNY)))
    page.fill("#filter-q", "o")  # Bartosz and Celina, still by completed modules, descending
    _filter(page, js, "q=o")
    expect(page.locator(".matrix-summary")).to_contain_text("2 osoby")
    _names(page).to_have_text(["Celina Łoś", "Bartosz Ryś"])
    expect(page.locator("th[aria-sort=descending]")).to_contain_text("Ukończone")
    fits(page)

    text = _download(page, "Pobierz CSV", ".csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:3] == ["Osoba", "Koalicja", "Ukończone moduły"]
    assert [row[:3] for row in rows[1:]] == [["Celina Łoś", "Koalicja Sosny", "2"],
                                             ["Bartosz Ryś", "Koalicja Sosny", "1"]]
    sheet = load_workbook(io.BytesIO(_download(page, "Pobierz XLSX", ".xlsx")), read_only=True).active
    cells = [list(row[:3]) for row in sheet.iter_rows(values_only=True)]
    assert cells[0] == ["Osoba", "Koalicja", "Ukończone moduły"]
    assert cells[1:] == [["Celina Łoś", "Koalicja Sosny", 2], ["Bartosz Ryś", "Koalicja Sosny", 1]]

    page.go_back()  # the search goes, the coalition and the sort stay
    page.wait_for_url(lambda url: "q=o" not in url and "dir=desc" in url)
    expect(page.locator(".matrix-summary")).to_contain_text("3 osoby")
    _names(page).to_have_text(list(reversed(SOSNY)))
    expect(page.locator("#filter-q")).to_have_value("")
    expect(page.locator("#filter-coalition")).to_have_value("sosny")
    expect(page.locator("th[aria-sort=descending]")).to_contain_text("Ukończone")
    page.go_back()  # ascending again
    page.wait_for_url(lambda url: "sort=completed" in url and "dir=desc" not in url)
    _names(page).to_have_text(SOSNY)
    expect(page.locator("th[aria-sort=ascending]")).to_contain_text("Ukończone")
    expect(page.locator("#filter-coalition")).to_have_value("sosny")
    fits(page)

    page.get_by_role("link", name="Celina Łoś").click()
    page.wait_for_url("**/trainer/learners/*")
    expect(page.locator("h1")).to_have_text("Celina Łoś")
    expect(page.locator("#timeline-title")).to_have_text("Historia")
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("Ukończenie modułu")
    expect(timeline).to_contain_text("Moduł 2")
    fits(page)


# --- 3. an admin changes a role and deactivates an account, each after a confirmation -------


def _confirm(page, js: bool, button: str, question: str, accept: bool = True) -> None:
    """Press `button`; with htmx the browser asks in a dialog, without JavaScript a page asks."""
    if js:
        asked = []

        def answer(dialog):
            asked.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()

        page.once("dialog", answer)
        page.get_by_role("button", name=button).click()  # returns once the dialog is answered
        assert asked and question in asked[0], asked
        return
    page.get_by_role("button", name=button).click()
    page.wait_for_url("**/admin/users/*/*")
    expect(page.locator("h1")).to_have_text("Potwierdź zmianę")
    expect(page.locator("article.confirm-change p")).to_contain_text(question)
    fits(page)
    if accept:
        page.get_by_role("button", name="Tak, zmień").click()
    else:
        page.get_by_role("link", name="Anuluj").click()
    page.wait_for_url("**/admin/users?**")


@pytest.mark.parametrize(("size", "js"), CASES, ids=IDS)
def test_admin_changes_a_role_and_deactivates_after_confirming(server, open_context, size, js):
    n = CASES.index((size, js))
    person = f"Zofia Zmienna {n}"
    persons_page = open_context(size, js).new_page()  # the person is signed in elsewhere
    sign_in(persons_page, server, f"zmiana{n}@example.org", PASSWORD)
    page = signed_in_page(open_context, size, js, server, "admin@example.org", "/admin/users",
                          "Użytkownicy")
    page.fill("#user-search", person)
    if not js:
        page.get_by_role("button", name="Filtruj").click()
    page.wait_for_url("**q=Zofia**")
    expect(page.locator("#users-count")).to_have_text("1 użytkownik")
    row = page.locator("#users-table tbody tr")
    expect(row.locator("a")).to_have_text(person)
    expect(row.locator("select[name=role]")).to_have_value("user")

    # Changing one's mind: nothing changes.
    row.locator("select[name=role]").select_option("trainer")
    _confirm(page, js, f"Zmień rolę {person}", f"Zmienić rolę osoby {person}", accept=False)
    page.reload()
    expect(page.locator("#users-table tbody tr select[name=role]")).to_have_value("user")
    expect(page.locator(".row-status, #flashes .flash")).to_have_count(0)

    page.locator("#users-table tbody tr select[name=role]").select_option("trainer")
    _confirm(page, js, f"Zmień rolę {person}", f"Zmienić rolę osoby {person}")
    said = f"{person} ma teraz rolę: Trener / trenerka."
    expect(page.locator(".row-status" if js else "#flashes .flash-success")).to_have_text(said)
    fits(page)
    page.reload()  # the change is stored: the list shows it, the person's page has it in history
    expect(page.locator("#users-table tbody tr select[name=role]")).to_have_value("trainer")
    page.select_option("#user-role", "trainer")
    if not js:
        page.get_by_role("button", name="Filtruj").click()
    page.wait_for_url("**role=trainer**")
    expect(page.locator("#users-table tbody tr a")).to_have_text([person])
    page.go_back()  # Back: the role filter goes, the search stays, in the form and the list
    page.wait_for_url(lambda url: "q=Zofia" in url and "role=trainer" not in url)
    expect(page.locator("#user-role")).to_have_value("")
    expect(page.locator("#user-search")).to_have_value(person)
    page.go_forward()
    page.wait_for_url("**role=trainer**")
    expect(page.locator("#user-role")).to_have_value("trainer")
    expect(page.locator("#users-table tbody tr a")).to_have_text([person])

    _confirm(page, js, f"Wyłącz konto {person}", f"Wyłączyć konto osoby {person}")
    expect(page.locator(".row-status" if js else "#flashes .flash-success")).to_have_text(
        f"Konto {person} jest teraz wyłączone.")
    row = page.locator("#users-table tbody tr")
    expect(row.locator(".tag-off")).to_have_text("Wyłączone")
    expect(row.get_by_role("button", name=f"Włącz konto {person}")).to_be_visible()
    fits(page)
    persons_page.goto(server + "/learning/")  # signed out at once, told why at the next sign-in
    assert "/login" in persons_page.url
    persons_page.fill("input[name=email]", f"zmiana{n}@example.org")
    persons_page.fill("input[name=password]", PASSWORD)
    persons_page.locator("form[action='/login'] button[type=submit]").click()
    expect(persons_page.locator("main")).to_contain_text("To konto jest wyłączone.")
    assert "/login" in persons_page.url

    row.locator("a", has_text=person).click()
    expect(page.locator("h1")).to_have_text(person)
    history = page.locator("main")
    expect(history).to_contain_text("Zmiana roli: Użytkownik → Trener / trenerka")
    expect(history).to_contain_text("Wyłączenie konta")
    fits(page)
