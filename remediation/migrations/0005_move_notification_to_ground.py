# The table stays; healthpov.notifications' first migration takes the model over (state only)
# and renames the table. run_before keeps that order on a fresh database too.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('remediation', '0004_notification_link'),
    ]
    run_before = [
        ('notifications', '0001_initial'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='notification',
            name='item',
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='Notification')],
            database_operations=[],
        ),
    ]
