"""Per-user secrets for private board feeds (Atom, iCalendar), which feed readers fetch
without a session. A feed URL carries `<user id>.<HMAC of the board with the user's secret>`:
one leaked URL opens one board's feed only, and a reset invalidates them all."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from koalicje.board.posts import board_key
from koalicje.prepared import prepared
from models import Coalition, FeedToken, User, write_transaction


@prepared
def _secret_of(user_id: int):
    """The user's secret alone (a text, as both engines' drivers give it): every board page
    signs its feed addresses with it, and a FeedToken model made by Peewee's row wrapper
    cost more than the query."""
    return FeedToken.select(FeedToken.secret).where(FeedToken.user == user_id).limit(1).tuples()


def feed_secret(user: User) -> str:
    found = _secret_of.fetchall(user.id)
    if found:
        return found[0][0]
    with write_transaction():
        token, _ = FeedToken.get_or_create(user=user.id)
    return token.secret


def _signature(secret: str, board: Coalition | int | None) -> str:
    digest = hmac.new(secret.encode(), board_key(board).encode(), hashlib.sha256).hexdigest()
    return digest[:32]


def feed_token(user: User, board: Coalition | None) -> str:
    """`<user id>.<signature>`: opens this board's feeds for this user until they reset it."""
    return f"{user.id}.{_signature(feed_secret(user), board)}"


def user_for_feed_token(token: str | None, board: Coalition | None) -> User | None:
    """The active user a feed token belongs to, if it is valid for this board."""
    user_id, _, signature = (token or "").partition(".")
    if not user_id.isdigit() or not signature or len(user_id) > 12:
        return None
    row = (
        FeedToken.select(FeedToken, User)
        .join(User, on=(FeedToken.user == User.id))
        .where((FeedToken.user == int(user_id)) & User.enabled())
        .first()
    )
    if row is None or not hmac.compare_digest(_signature(row.secret, board), signature):
        return None
    return row.user


def reset_feed_token(user: User) -> None:
    with write_transaction():
        FeedToken.delete().where(FeedToken.user == user.id).execute()
        FeedToken.create(user=user.id, secret=secrets.token_urlsafe(32))
