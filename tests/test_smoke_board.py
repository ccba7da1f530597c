from conftest import add_member, make_coalition, make_user, soup

import board as domain
from models import db


def test_smoke(app, client, auth, htmx):
    db.connect(reuse_if_open=True)
    c = make_coalition(); u = make_user(); add_member(u, c, "coordinator")
    p = domain.create_post(u, c, title="Hej <b>", body="**x** <script>alert(1)</script>", category="event",
        event_at=domain.utcnow())
    db.close()
    auth.as_user(u)
    r = client.get(f"/board/{c.slug}")
    print(r.status_code); print(r.get_data(as_text=True)[:200])
    assert r.status_code == 200, r.get_data(as_text=True)
    r = client.get("/board/")
    assert r.status_code == 200
    print(soup(r).select_one("nav").get_text(" ", strip=True))
    t = auth.csrf()
    r = htmx.post(f"/board/{c.slug}/posts", data={"title": "Nowy", "body": "treść", "category": "need"}, headers={"X-CSRFToken": t})
    print(r.status_code, r.get_data(as_text=True)[:3000])
    r = htmx.get(f"/board/post/{p.id}/comments")
    assert r.status_code == 200, r.get_data(as_text=True)
    r = client.get(f"/board/post/{p.id}")
    assert r.status_code == 200
    r = client.get(f"/board/{c.slug}/calendar.ics"); print(r.get_data(as_text=True))
    r = client.get(f"/board/{c.slug}/feed.atom"); print(r.get_data(as_text=True)[:600])
    r = client.get(f"/board/{c.slug}?q=\"(a OR"); assert r.status_code == 200
