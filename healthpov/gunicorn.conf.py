"""gunicorn's settings for healthpov: the one place the web server's shape is chosen.

    gunicorn healthpov.wsgi -c healthpov/gunicorn.conf.py --bind 0.0.0.0:8000

docker-compose.yml's web service, the Dockerfile and bench/load.py start gunicorn with this
file; options on the command line (``--workers``, ``--threads``, ``--bind``) and
``WEB_CONCURRENCY`` (the number of workers) override it. Why these values:
docs/architecture.md "Performance choices"; the configurations measured against each other:
docs/scaling.md "The web server's configuration".
"""

import os

# One process per core, four threads each: a request's Python runs while another thread of
# its process waits for PostgreSQL, keep-alive connections cost no process, and there are
# half the database connections (and PostgreSQL backends) of eight threads.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = 4
timeout = 120
# No max_requests: each restart of a worker pays again for importing the application and for
# its caches (templates, URL names, choice labels), and nothing here needs a leak papered over.
max_requests = 0
