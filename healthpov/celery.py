"""The Celery application; tasks are discovered in each app's tasks.py."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

from healthpov.db_routing import forget_replica_in_tasks, restore_after_task

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthpov.settings.local")

app = Celery("healthpov")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Jobs always read the primary, even one run in process inside a page that reads the replica.
task_prerun.connect(forget_replica_in_tasks, weak=False)
task_postrun.connect(restore_after_task, weak=False)
