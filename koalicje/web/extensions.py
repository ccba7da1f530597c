"""Flask extensions, created unbound and attached in create_app."""

from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
htmx = Htmx()  # request.htmx: the HX-* request headers (replaces app.request_class)
