"""Blueprints, one per area; app.create_app registers every one in this list."""

from blueprints.admin import bp as admin
from blueprints.auth import bp as auth
from blueprints.coalitions import bp as coalitions
from blueprints.main import bp as main
from blueprints.quizzes import bp as quizzes
from blueprints.self_assessment import bp as self_assessment
from blueprints.stats import bp as stats
from blueprints.trainer import bp as trainer
from blueprints.trainer import digest_bp as digest

BLUEPRINTS = [main, auth, coalitions, admin, quizzes, self_assessment, trainer, digest, stats]
