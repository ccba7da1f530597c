"""User Markdown to safe HTML: Python-Markdown with raw HTML switched off, then nh3.

Posts and comments are written by coalition members, so their Markdown is untrusted. Raw HTML
in the source is shown as text (Markdown's HTML passthrough is removed), and the rendered HTML
goes through an nh3 allow-list: no scripts, styles, event handlers, images or javascript:
links survive, and every link gets rel="nofollow noopener".
"""

from __future__ import annotations

import markdown
import nh3

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "h3", "h4", "h5", "h6", "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener"


def _markdown() -> markdown.Markdown:
    md = markdown.Markdown(extensions=["sane_lists", "nl2br"], output_format="html")
    # No raw HTML passthrough: it comes out as escaped text instead.
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return md


def sanitize(html: str) -> str:
    """Keep only the allow-listed tags and attributes; links get rel="nofollow noopener"."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render_markdown(source: str) -> str:
    """Render untrusted Markdown to sanitized HTML (headings start at h3 on the board)."""
    html = _markdown().convert(source or "")
    for level in (2, 1):  # a post's own title is the h2/h3 of the page; demote body headings
        html = html.replace(f"<h{level}>", "<h4>").replace(f"</h{level}>", "</h4>")
    return sanitize(html)
