# One image for web (gunicorn), worker and beat (celery). Static files are collected at build
# time so containers start fast; migrations run when the web container starts. Collecting needs
# no database nor broker, hence the one-box opt-in for that step only (never at run time).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=healthpov.settings.production

RUN useradd --create-home --uid 1000 healthpov
WORKDIR /app

COPY . .
RUN pip install -e . \
    && SECRET_KEY="collectstatic-at-build-time-only-never-used-to-serve-anything-0123456789" \
       ALLOWED_HOSTS=build HEALTHPOV_SINGLE_BOX=true python manage.py collectstatic --noinput \
    && mkdir -p /app/var/media \
    && chown -R healthpov:healthpov /app/var

USER healthpov
EXPOSE 8000
CMD ["gunicorn", "healthpov.wsgi", "-c", "healthpov/gunicorn.conf.py", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
