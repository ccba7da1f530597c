"""The web kit: extensions, htmx helpers, errors, assets, labels, Markdown, exports, charts."""
