"""Blueprints, one per area; app.create_app registers every one in this list."""

from blueprints.admin import bp as admin
from blueprints.auth import bp as auth
from blueprints.board import bp as board
from blueprints.coalitions import bp as coalitions
from blueprints.main import bp as main

BLUEPRINTS = [main, auth, coalitions, admin, board]
