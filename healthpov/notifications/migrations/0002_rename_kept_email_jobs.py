# The e-mail task moved from remediation.tasks to healthpov.notifications.tasks: jobs kept in the
# outbox while the broker was down (operations.PendingDispatch) are renamed so they still send.

from django.db import migrations

OLD = "remediation.tasks.send_notification_emails"
NEW = "healthpov.notifications.tasks.send_notification_emails"


def rename(apps, schema_editor, old=OLD, new=NEW):
    PendingDispatch = apps.get_model("operations", "PendingDispatch")
    PendingDispatch.objects.filter(task_name=old).update(task_name=new)


def rename_back(apps, schema_editor):
    rename(apps, schema_editor, old=NEW, new=OLD)


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0001_initial'),
        ('operations', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(rename, rename_back),
    ]
