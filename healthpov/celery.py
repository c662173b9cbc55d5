"""The Celery application; tasks are discovered in each app's tasks.py."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_init, worker_process_init

from healthpov.db_routing import forget_replica_in_tasks, restore_after_task
from healthpov.operations.priority import lower_priority

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthpov.settings.local")

app = Celery("healthpov")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Jobs always read the primary, even one run in process inside a page that reads the replica.
task_prerun.connect(forget_replica_in_tasks, weak=False)
task_postrun.connect(restore_after_task, weak=False)


def _lower_priority(**kwargs) -> None:
    lower_priority()


# Jobs yield the CPU to page requests (healthpov/operations/priority.py): the main process
# before its pool forks (a solo or threads pool runs jobs there), and each prefork child.
worker_init.connect(_lower_priority, weak=False)
worker_process_init.connect(_lower_priority, weak=False)
