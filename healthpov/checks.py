"""Start-up checks of settings that are each valid alone but wrong together.

Registered by ``healthpov.operations`` (the job outbox), so ``manage.py check``, ``runserver``,
``migrate`` and the Celery worker all refuse a contradictory configuration.
"""

from collections import defaultdict

from django.conf import settings
from django.core.checks import Error, Warning
from django.template import engines
from django.template.backends.django import DjangoTemplates, get_template_tag_modules

VISIBILITY_TIMEOUT_TOO_SHORT = "healthpov.E001"
TEMPLATE_LIBRARY_NAME_REUSED = "healthpov.W001"
# Template libraries the project replaces on purpose (settings TEMPLATES "libraries";
# docs/architecture.md "Performance choices"): Django's check templates.W003 reports them, so it
# is silenced and this one reports any other name used twice.
REPLACED_TEMPLATE_LIBRARIES = {
    "static": "healthpov.accounts.templatetags.cached_static",
    "i18n": "healthpov.accounts.templatetags.cached_i18n",
}
# What the Redis transport uses when the option is not given.
REDIS_DEFAULT_VISIBILITY_TIMEOUT = 3600


def celery_visibility_timeout_exceeds_task_time_limit(app_configs=None, **kwargs) -> list[Error]:
    """Redis hands an unacknowledged task to another worker once the visibility timeout passes.

    Tasks are acknowledged late (after they finish), so a timeout no longer than the longest a
    task may run would start a long import or recompute a second time while the first still runs.
    """
    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get(
        "visibility_timeout", REDIS_DEFAULT_VISIBILITY_TIMEOUT
    )
    limit = settings.CELERY_TASK_TIME_LIMIT
    if timeout > limit:
        return []
    return [
        Error(
            f"The Celery broker's visibility timeout ({timeout} s) must exceed the task time "
            f"limit CELERY_TASK_TIME_LIMIT ({limit} s), or a running task is handed out twice.",
            hint="Raise CELERY_VISIBILITY_TIMEOUT or lower CELERY_TASK_TIME_LIMIT.",
            id=VISIBILITY_TIMEOUT_TOO_SHORT,
        )
    ]


def template_library_names_used_once(app_configs=None, **kwargs) -> list[Warning]:
    """Django's templates.W003 without the libraries replaced on purpose: a name that two
    modules claim loads one of them in every template, silently."""
    modules = defaultdict(set)
    for name, path in get_template_tag_modules():
        modules[name].add(path)
    for engine in engines.all():
        if isinstance(engine, DjangoTemplates):
            for name, path in engine.engine.libraries.items():
                modules[name].add(path)
    warnings = []
    for name, paths in sorted(modules.items()):
        replaced = REPLACED_TEMPLATE_LIBRARIES.get(name)
        if replaced in paths and len(paths) == 2:
            continue
        if len(paths) > 1:
            warnings.append(
                Warning(
                    f"{name!r} is used for multiple template tag modules: "
                    + ", ".join(sorted(paths)),
                    id=TEMPLATE_LIBRARY_NAME_REUSED,
                )
            )
    return warnings
