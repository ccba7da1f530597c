"""The learning path: progress, watching recordings, media files, certificates."""
