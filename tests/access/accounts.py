"""Permission cases for invites, reset links and the admin users pages."""

from access import Case
from koalicje import accounts, invites

NOT_ADMIN_403 = dict(user=403, member=403, other_trainer=403, trainer=403, coordinator=403)
NOT_FOUND = dict(user=404, member=404, other_trainer=404, trainer=404, coordinator=404)
SIGNED_IN_403 = dict(NOT_ADMIN_403, admin=403)


def setup(world):
    # An invite for someone without an account, and one created by the admin (to revoke).
    _, world.extra["invite_token"] = invites.create_invite(
        world.admin, invites.InviteRequest(email="nowa.osoba@example.org",
                                           coalition=world.coalition, sector="ngo"), days=14)
    world.extra["admin_invite"], _ = invites.create_invite(
        world.admin, invites.InviteRequest(email="inna.osoba@example.org"), days=14)
    world.extra["reset_token"] = accounts.create_reset(world.user, world.admin, hours=48)


def invite_data(world):
    return {"email": "zaproszona@example.org", "role": "user",
            "coalition": str(world.coalition.id), "membership_role": "member", "sector": "ngo"}


CASES = [
    # The invite page answers anyone; a signed-in person is told the invite is not theirs.
    Case("invites.accept", "GET", lambda w: f"/invite/{w.extra['invite_token']}",
         anonymous=200, **SIGNED_IN_403),
    Case("invites.accept", "POST", lambda w: f"/invite/{w.extra['invite_token']}",
         data=lambda w: {"name": "", "password": "x"}, anonymous=422, **SIGNED_IN_403),
    Case("invites.index", "GET", lambda w: "/invites/", anonymous=302, user=403, member=403,
         other_trainer=200, trainer=200, coordinator=200, admin=200),
    # Only those who may invite to world.coalition create the invite.
    Case("invites.index", "POST", lambda w: "/invites/", data=invite_data, anonymous=302,
         user=403, member=403, other_trainer=403, trainer=303, coordinator=303, admin=303),
    Case("invites.revoke", "POST", lambda w: f"/invites/{w.extra['admin_invite'].id}/revoke",
         anonymous=302, **NOT_FOUND, admin=303),
    Case("auth.reset", "GET", lambda w: f"/reset/{w.extra['reset_token']}", anonymous=200,
         user=200, member=200, other_trainer=200, trainer=200, coordinator=200, admin=200),
    Case("auth.reset", "POST", lambda w: f"/reset/{w.extra['reset_token']}",
         data=lambda w: {"password": "krotkie", "confirm": "inne"}, anonymous=422, user=422,
         member=422, other_trainer=422, trainer=422, coordinator=422, admin=422),
    Case("admin.user", "GET", lambda w: f"/admin/users/{w.member.id}", anonymous=302,
         **NOT_ADMIN_403, admin=200),
    Case("admin.change_role", "POST", lambda w: f"/admin/users/{w.member.id}/role",
         data=lambda w: {"role": "trainer", "confirm": "1"}, anonymous=302, **NOT_ADMIN_403, admin=303),
    Case("admin.change_active", "POST", lambda w: f"/admin/users/{w.member.id}/active",
         data=lambda w: {"active": "0", "confirm": "1"}, anonymous=302, **NOT_ADMIN_403, admin=303),
    Case("admin.reset_link", "POST", lambda w: f"/admin/users/{w.member.id}/reset-link",
         anonymous=302, **NOT_ADMIN_403, admin=303),
]
