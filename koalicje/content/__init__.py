"""The curriculum as files (content/): module files, quiz and instrument files, and sync."""
