from django.core.management.base import BaseCommand

from healthpov.operations.dispatch import send_pending


class Command(BaseCommand):
    help = "Send the Celery jobs kept in the database while the broker (Redis) was unreachable."

    def handle(self, *args, **options):
        sent, kept = send_pending()
        self.stdout.write(f"sent {sent}, still kept {kept}")
        if kept:
            raise SystemExit(1)
