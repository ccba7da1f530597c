"""Blueprints, one per area; app.create_app registers every one in this list."""

from blueprints.admin import bp as admin
from blueprints.auth import bp as auth
from blueprints.board import bp as board
from blueprints.coalitions import bp as coalitions
from blueprints.invites import bp as invites
from blueprints.learning import bp as learning
from blueprints.main import bp as main
from blueprints.quizzes import bp as quizzes
from blueprints.self_assessment import bp as self_assessment
from blueprints.stats import bp as stats
from blueprints.trainer import bp as trainer
from blueprints.trainer import digest_bp as digest
from blueprints.workshop import bp as workshop

BLUEPRINTS = [
    main, auth, coalitions, admin, invites, learning, quizzes, self_assessment, board,
    trainer, digest, stats, workshop,
]
