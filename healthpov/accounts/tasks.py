"""Background jobs of the accounts app (thin: each calls one service)."""

from celery import shared_task

from healthpov.accounts import services


@shared_task
def clear_expired_sessions() -> int:
    """Nightly: drop expired sessions (scheduled in CELERY_BEAT_SCHEDULE)."""
    return services.sessions_clear_expired()
