"""The noticeboard: posts and comments, search, feeds and feed tokens."""
