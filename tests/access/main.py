from access import Case

ALL_200 = dict(user=200, member=200, other_trainer=200, trainer=200, coordinator=200, admin=200)

CASES = [
    Case("main.index", "GET", lambda w: "/", anonymous=200, **ALL_200),
    Case("main.favicon", "GET", lambda w: "/favicon.ico", anonymous=200, **ALL_200),
    Case("main.healthz", "GET", lambda w: "/healthz", anonymous=200, **ALL_200),
    Case("main.language", "POST", lambda w: "/language", data=lambda w: {"locale": "pl"},
         anonymous=303, user=303, member=303, other_trainer=303, trainer=303, coordinator=303,
         admin=303),
    Case("auth.login", "GET", lambda w: "/login", anonymous=200, user=302, member=302,
         other_trainer=302, trainer=302, coordinator=302, admin=302),
    Case("auth.login", "POST", lambda w: "/login", anonymous=422, user=302, member=302,
         other_trainer=302, trainer=302, coordinator=302, admin=302),
    Case("auth.password", "POST", lambda w: "/account/password", anonymous=302, user=422,
         member=422, other_trainer=422, trainer=422, coordinator=422, admin=422),
    Case("auth.password", "GET", lambda w: "/account/password", anonymous=302, **ALL_200),
    Case("auth.logout", "POST", lambda w: "/logout", anonymous=303, user=303, member=303,
         other_trainer=303, trainer=303, coordinator=303, admin=303),
    # Signs out this account on every device; anonymous is sent to sign in.
    Case("auth.logout_everywhere", "POST", lambda w: "/account/sign-out-everywhere",
         anonymous=302, user=303, member=303, other_trainer=303, trainer=303, coordinator=303,
         admin=303),
    Case("admin.users", "GET", lambda w: "/admin/users", anonymous=302, user=403, member=403,
         other_trainer=403, trainer=403, coordinator=403, admin=200),
]
