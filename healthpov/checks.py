"""Start-up checks of settings that are each valid alone but wrong together.

Registered by ``healthpov.operations`` (the job outbox), so ``manage.py check``, ``runserver``,
``migrate`` and the Celery worker all refuse a contradictory configuration.
"""

from django.conf import settings
from django.core.checks import Error

VISIBILITY_TIMEOUT_TOO_SHORT = "healthpov.E001"
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
