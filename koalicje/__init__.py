"""Koalicje: the rules of each area as plain functions, plus the web kit and ops.

The views of area X are in `blueprints/X`, its rules here in `koalicje/X`, its templates in
`templates/X`.
"""
