"""Operations: the command line, backups, demo data and demo media."""
