"""Flask CLI commands: schema, demo data, users, backups."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from koalicje import accounts, mail
from koalicje.ops import backup, demo
from koalicje.trainer import digest
from models import ROLES, SCHEMA_VERSION, User, create_or_migrate, db


def init_app(app: Flask) -> None:
    app.cli.add_command(db_group)
    app.cli.add_command(demo_group)
    app.cli.add_command(users_group)
    app.cli.add_command(content_group)
    app.cli.add_command(digest.digest_group)
    app.cli.add_command(mail.mail_group)


@click.group("db", cls=AppGroup, help="Database schema and backups.")
def db_group() -> None:
    pass


@db_group.command("upgrade", help="Create missing tables and run pending migrations.")
def db_upgrade() -> None:
    with db.connection_context():
        fresh = not db.table_exists("user")
        applied = create_or_migrate()
    if fresh:
        click.echo(f"Created the schema (version {SCHEMA_VERSION}).")
    elif applied:
        click.echo(f"Applied migrations: {', '.join(map(str, applied))}")
    else:
        click.echo("Schema is up to date.")


@db_group.command("recount", help="Recompute the values kept at write time (each person's "
                  "last activity, the boards' posts per month, the coalitions' "
                  "self-assessment profiles, members and completions, the learners' best "
                  "quiz scores) from the data, and "
                  "repair those that differ.")
def db_recount() -> None:
    from koalicje import activity, self_assessment
    from models import recount_coalition_figures, recount_post_tally, recount_quiz_best

    with db.connection_context():
        repaired = activity.recount()
        tally = recount_post_tally()
        profiles = self_assessment.recount_profiles()
        figures = recount_coalition_figures()
        best = recount_quiz_best()
    click.echo(f"Last activity: {repaired} repaired." if repaired
               else "Last activity: every value was right.")
    click.echo(f"New posts per board and month: {tally} repaired." if tally
               else "New posts per board and month: every value was right.")
    click.echo(f"Coalition self-assessment profiles: {profiles} repaired." if profiles
               else "Coalition self-assessment profiles: every value was right.")
    click.echo(f"Coalitions' members and completions: {figures} repaired." if figures
               else "Coalitions' members and completions: every value was right.")
    click.echo(f"Best quiz scores: {best} repaired." if best
               else "Best quiz scores: every value was right.")


@db_group.command("backup", help="Write a consistent copy of the database to BACKUP_DIR.")
@click.option("--output", type=click.Path(dir_okay=False), default=None,
              help="File to write (default: a timestamped file in BACKUP_DIR).")
def db_backup(output: str | None) -> None:
    with db.connection_context():
        path = backup.backup(current_app.config, output)
    click.echo(f"Backup written to {path}")


@db_group.command("copy-to-postgres",
                  help="Copy the SQLite database (DATABASE_URL) into an empty PostgreSQL one.")
@click.argument("target_url")
def db_copy_to_postgres(target_url: str) -> None:
    from koalicje.ops import copy_db

    try:
        reports = copy_db.copy_sqlite_to_postgres(current_app.config["DATABASE_URL"], target_url,
                                                  echo=click.echo)
    except copy_db.CopyError as error:
        raise click.ClickException(str(error)) from error
    total = sum(report.rows for report in reports)
    click.echo(f"Copied {len(reports)} tables, {total} rows; counts and checksums match. "
               "Set DATABASE_URL to the PostgreSQL address and restart the app.")


@db_group.command("restore", help="Replace the database with a backup file (SQLite).")
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def db_restore(source: str, yes: bool) -> None:
    if not yes:
        click.confirm("This replaces all current data. Continue?", abort=True)
    try:
        backup.restore(current_app.config, source)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Restored from {source}")


@click.group("demo", cls=AppGroup, help="Demo data.")
def demo_group() -> None:
    pass


@demo_group.command("load", help="Load demo accounts, coalitions and activity (idempotent).")
def demo_load() -> None:
    with db.connection_context():
        create_or_migrate()
        demo.load(current_app.config)
    click.echo(f"Demo accounts (password: {demo.DEMO_PASSWORD}):")
    for email, name, role in demo.ACCOUNTS_SUMMARY:
        click.echo(f"  {email:<28} {role:<22} {name}")


@click.group("users", cls=AppGroup, help="User accounts.")
def users_group() -> None:
    pass


@users_group.command("create", help="Create a user account.")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(ROLES), default="user", show_default=True)
@click.password_option(help="Password (asked for when not given).")
def users_create(email: str, name: str, role: str, password: str) -> None:
    if len(password) < accounts.MIN_PASSWORD_LENGTH:
        raise click.ClickException(
            f"The password needs at least {accounts.MIN_PASSWORD_LENGTH} characters."
        )
    with db.connection_context():
        if User.by_email(email):
            raise click.ClickException(f"A user with e-mail {email} already exists.")
        user = accounts.create_user(email, name, password, role=role)
    click.echo(f"Created {user.email} ({user.role}).")


@click.group("content", cls=AppGroup, help="The curriculum in content/.")
def content_group() -> None:
    pass


@content_group.command("sync", help="Validate content files and sync them into the database.")
@click.option("--content-dir", type=click.Path(file_okay=False), default=None,
              help="Folder to read (default: CONTENT_DIR).")
def content_sync_command(content_dir: str | None) -> None:
    from koalicje.content import sync

    folder = content_dir or current_app.config["CONTENT_DIR"]
    try:
        with db.connection_context():
            report = sync.sync(folder)
    except sync.ContentError as error:
        raise click.ClickException(f"Nothing was changed. {error}") from error
    for line in report.lines():
        click.echo(line)
