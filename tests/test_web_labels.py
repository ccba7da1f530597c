"""One home for labels and localized text (`koalicje/web/labels.py`).

Every stored code has exactly one label, in both catalogs; no other module maps a code to a
text of its own; and pages that show the same code use the same words.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from conftest import add_member, assign, make_coalition, make_user, soup
from factories import make_module, progress

from koalicje.board import posts
from koalicje.web import labels
from models import (
    MEDIA_ROLES,
    MEMBERSHIP_ROLES,
    MODULE_KINDS,
    MODULE_STATUSES,
    POST_CATEGORIES,
    ROLES,
    SECTORS,
    VISIT_PURPOSES,
    db,
)

ROOT = Path(__file__).resolve().parent.parent

CODES = [
    ("sector", SECTORS, labels.SECTOR_LABELS),
    ("role", ROLES + MEMBERSHIP_ROLES, labels.ROLE_LABELS),
    ("module status", MODULE_STATUSES, labels.MODULE_STATUS_LABELS),
    ("module kind", MODULE_KINDS, labels.MODULE_KIND_LABELS),
    ("post category", POST_CATEGORIES, labels.POST_CATEGORY_LABELS),
    ("media role", MEDIA_ROLES, labels.MEDIA_ROLE_LABELS),
    ("visit purpose", VISIT_PURPOSES, labels.VISIT_PURPOSE_LABELS),
]


@pytest.mark.parametrize(("what", "codes", "mapping"), CODES, ids=[c[0] for c in CODES])
def test_every_stored_code_has_exactly_one_distinct_label(what, codes, mapping):
    assert sorted(mapping) == sorted(codes)
    texts = [str(label._args[0]) for label in mapping.values()]  # the Polish msgids
    assert len(set(texts)) == len(texts), f"two {what} codes share a label"


def test_both_catalogs_have_every_label():
    with open(ROOT / "translations/en/LC_MESSAGES/messages.po", "rb") as f:
        catalog = read_po(f)
    for _what, _codes, mapping in CODES:
        for label in mapping.values():
            msgid = label._args[0]
            assert catalog.get(msgid) is not None and catalog.get(msgid).string, msgid


def _definitions_elsewhere() -> list[str]:
    """Lines outside labels.py that give a stored code a translated text of their own."""
    codes = {code for _what, codes, _m in CODES for code in codes}
    alternatives = "|".join(re.escape(c) for c in sorted(codes))
    in_python = re.compile(rf'["\']({alternatives})["\']\s*:\s*_l?\(')
    in_template = re.compile(r"\{%-?\s*macro\s+(\w*_)?(status|kind|sector|role|category|round)_label\(")
    found = []
    for path in [*ROOT.glob("koalicje/**/*.py"), *ROOT.glob("blueprints/**/*.py"),
                 *ROOT.glob("templates/**/*.html"), ROOT / "app.py", ROOT / "models.py"]:
        if path == ROOT / "koalicje/web/labels.py":
            continue
        pattern = in_template if path.suffix == ".html" else in_python
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return found


def test_no_other_module_labels_a_stored_code():
    assert _definitions_elsewhere() == []


def test_localized_picks_the_language_and_falls_back_to_polish():
    value = {"pl": "Cześć", "en": "Hello"}
    assert labels.localized(value, "en") == "Hello"
    assert labels.localized(value, "pl") == "Cześć"
    assert labels.localized({"pl": "Cześć", "en": ""}, "en") == "Cześć"
    assert labels.localized({"en": "Hello"}, "pl") == "Hello"
    assert labels.localized("zwykły tekst", "en") == "zwykły tekst"
    assert labels.localized(None) == ""
    assert labels.localized(value) == "Cześć"  # outside a request: Polish
    assert labels.localized_lang(value, "en") == "en"
    assert labels.localized_lang({"pl": "Cześć"}, "en") == "pl"


def test_module_title_for_models_and_stored_dicts():
    class Row:
        title_pl, title_en, summary_pl, summary_en = "Moduł", "Module", "Opis", ""

    assert labels.module_title(Row(), "en") == "Module"
    assert labels.module_title(Row()) == "Moduł"
    assert labels.module_summary(Row(), "en") == "Opis"  # untranslated: Polish
    assert labels.module_title({"title_pl": "Moduł", "title_en": "Module"}, "en") == "Module"
    assert labels.module_title(None) == ""


def test_pages_name_a_sector_with_the_same_words(client, auth, app):
    db.connect(reuse_if_open=True)
    coalition = make_coalition(slug="lipowa")
    member = make_user(name="Nina Organizacja")
    add_member(member, coalition, "member", "ngo")
    post = posts.create_post(member, coalition, title="Szukamy", body="Treść", category="need")
    db.close()
    auth.as_user(member)
    expected = "Organizacje pozarządowe"
    with app.test_request_context():
        assert labels.sector_label("ngo") == expected
    board = soup(client.get("/board/lipowa"))
    assert board.select_one(f"#post-{post.id} .post-sector").get_text(strip=True) == expected
    coalition_page = soup(client.get("/coalitions/lipowa"))
    assert coalition_page.select_one("h3#sector-ngo").get_text(strip=True) == expected
    stats_page = soup(client.get("/stats"))
    assert stats_page.select_one("tr[data-sector=ngo] th").get_text(strip=True) == expected


def test_learning_page_and_trainer_matrix_name_a_status_alike(client, auth):
    db.connect(reuse_if_open=True)
    coalition = make_coalition()
    learner = make_user(name="Lena Uczennica")
    trainer = make_user(role="trainer")
    add_member(learner, coalition)
    assign(trainer, coalition)
    module = make_module(1)
    progress(learner, module, "completed")
    db.close()
    auth.as_user(learner)
    learning = soup(client.get("/learning/"))
    badge = learning.select_one(".status-label-completed").get_text(strip=True)
    auth.logout()
    auth.as_user(trainer)
    matrix = soup(client.get("/trainer/matrix"))
    cell = matrix.select_one("td.cell-completed .status").get_text(strip=True)
    assert badge == cell == "Ukończony"
