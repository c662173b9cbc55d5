"""Production: PostgreSQL and Redis from the environment; refuses to start without them.

A server that lost ``DATABASE_URL`` or ``REDIS_URL`` must not quietly come up on an empty SQLite
file with jobs run inside the web process. A one-box install that wants exactly that says so with
``HEALTHPOV_SINGLE_BOX=true``.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, env, env_bool, env_int

DEBUG = False
SINGLE_BOX = env_bool("HEALTHPOV_SINGLE_BOX", False)
if not SINGLE_BOX:
    for _name, _what in (("DATABASE_URL", "PostgreSQL"), ("REDIS_URL", "the Redis job broker")):
        if not env.str(_name, default="").strip():
            raise ImproperlyConfigured(
                f"{_name} must point at {_what} in production "
                "(set HEALTHPOV_SINGLE_BOX=true to run on SQLite with jobs in process on one box)"
            )
SECRET_KEY = env.str("SECRET_KEY", default="")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be set to a random string of 50 characters or more")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the host names the site is served on")

# Database connections are kept between requests unless CONN_MAX_AGE says otherwise: a new
# PostgreSQL backend per request cost more CPU than most pages' queries. A kept connection is
# checked before a request uses it, so one broken by a database restart costs no failed page
# (docs/architecture.md "Performance choices").
PRODUCTION_CONN_MAX_AGE = 60
for _database in DATABASES.values():
    if env.str("CONN_MAX_AGE", default=None) is None:
        _database["CONN_MAX_AGE"] = PRODUCTION_CONN_MAX_AGE
    _database["CONN_HEALTH_CHECKS"] = True

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# Cookies only travel over HTTPS. SECURE_COOKIES=false exists solely to try the compose stack on
# plain http://localhost; never on a server people use.
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
