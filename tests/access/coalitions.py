"""Permission cases for the coalitions blueprint (directory, page, members, admin)."""

from conftest import add_member, make_user

from access import PERSONAS, Case

ALL_200 = dict(user=200, member=200, other_trainer=200, trainer=200, coordinator=200, admin=200)
ADMIN_ONLY = dict(user=403, member=403, other_trainer=403, trainer=403, coordinator=403)
COORDINATORS = dict(user=403, member=403, other_trainer=403, trainer=403)


def setup(world) -> None:
    coalition = world.coalition
    # A member the coordinator and admin may change.
    extra = make_user(name="Członkini Dodatkowa")
    world.extra["membership"] = add_member(extra, coalition, "member", "resident")
    # One removable member per persona, so each persona's attempt has its own target.
    world.extra["removable"] = [
        add_member(make_user(name=f"Do usunięcia {i}"), coalition, "member", "business")
        for i in range(len(PERSONAS))
    ]
    world.extra["free_trainer"] = make_user(role="trainer", name="Trener Wolny")


def _slug(w) -> str:
    return w.coalition.slug


def _coalition_form(w, slug: str) -> dict:
    return {"slug": slug, "name": "Koalicja z testu", "gmina": "Testowo",
            "voivodeship": "opolskie", "library": "Biblioteka w Testowie", "round": "2",
            "founded": "2012-05-01", "goals": "Cele"}


CASES = [
    Case("coalitions.index", "GET", lambda w: "/coalitions/", anonymous=302, **ALL_200),
    Case("coalitions.detail", "GET", lambda w: f"/coalitions/{_slug(w)}",
         anonymous=302, **ALL_200),
    # The goals region alone is an htmx fragment; anonymous htmx gets HX-Redirect (200).
    Case("coalitions.goals", "GET", lambda w: f"/coalitions/{_slug(w)}/goals",
         headers={"HX-Request": "true"}, anonymous=200, **ALL_200),
    Case("coalitions.edit_goals", "GET", lambda w: f"/coalitions/{_slug(w)}/goals/edit",
         anonymous=302, **COORDINATORS, coordinator=200, admin=200),
    Case("coalitions.update_goals", "POST", lambda w: f"/coalitions/{_slug(w)}/goals",
         data=lambda w: {"goals": "Nowe cele koalicji"},
         anonymous=302, **COORDINATORS, coordinator=303, admin=303),
    Case("coalitions.update_member", "POST",
         lambda w: f"/coalitions/{_slug(w)}/members/{w.extra['membership'].id}",
         data=lambda w: {"role": "member", "sector": "ngo"},
         anonymous=302, **COORDINATORS, coordinator=303, admin=303),
    Case("coalitions.remove_member", "POST",
         lambda w: f"/coalitions/{_slug(w)}/members/{w.extra['removable'].pop().id}/remove",
         anonymous=302, **COORDINATORS, coordinator=303, admin=303),
    Case("coalitions.create", "GET", lambda w: "/coalitions/new",
         anonymous=302, **ADMIN_ONLY, admin=200),
    Case("coalitions.create", "POST", lambda w: "/coalitions/new",
         data=lambda w: _coalition_form(w, "nowa-z-testu"),
         anonymous=302, **ADMIN_ONLY, admin=303),
    Case("coalitions.edit", "GET", lambda w: f"/coalitions/{_slug(w)}/edit",
         anonymous=302, **ADMIN_ONLY, admin=200),
    Case("coalitions.edit", "POST", lambda w: f"/coalitions/{_slug(w)}/edit",
         data=lambda w: _coalition_form(w, w.coalition.slug),
         anonymous=302, **ADMIN_ONLY, admin=303),
    Case("coalitions.trainers", "GET", lambda w: f"/coalitions/{_slug(w)}/trainers",
         anonymous=302, **ADMIN_ONLY, admin=200),
    Case("coalitions.add_trainer", "POST", lambda w: f"/coalitions/{_slug(w)}/trainers",
         data=lambda w: {"trainer": str(w.extra["free_trainer"].id)},
         anonymous=302, **ADMIN_ONLY, admin=303),
    Case("coalitions.remove_trainer", "POST",
         lambda w: f"/coalitions/{_slug(w)}/trainers/{w.trainer.id}/remove",
         anonymous=302, **ADMIN_ONLY, admin=303),
]
