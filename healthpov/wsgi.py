import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from healthpov.admission import limited

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthpov.settings.production")

# With WEB_ACTIVE_REQUESTS set, that many requests of a process run the application at once,
# the others wait in line (healthpov/admission.py).
application = limited(
    get_wsgi_application(), settings.WEB_ACTIVE_REQUESTS, settings.WEB_LONG_REQUEST_MS
)
