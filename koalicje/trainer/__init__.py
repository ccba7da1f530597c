"""The trainer dashboard: scope, overview, progress matrix, timeline, nudges, visits, digest."""
