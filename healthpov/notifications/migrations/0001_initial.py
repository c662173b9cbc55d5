# The model was remediation's (its table remediation_notification, left in place by
# remediation 0005): taken over in the state only, then the table and its index renamed.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Notification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('new_item', 'New item'), ('due_soon', 'Due within 7 days'), ('overdue', 'Overdue'), ('sent_back', 'Sent back'), ('submitted', 'Awaiting verification'), ('revisit', 'Revisit due'), ('work_due', 'Work due')], max_length=20, verbose_name='kind')),
                        ('message', models.CharField(max_length=300, verbose_name='message')),
                        ('link', models.CharField(blank=True, editable=False, max_length=200)),
                        ('once_key', models.CharField(blank=True, editable=False, max_length=60)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='time')),
                        ('read_at', models.DateTimeField(blank=True, null=True, verbose_name='read at')),
                        ('emailed_at', models.DateTimeField(blank=True, editable=False, null=True)),
                        ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'notification',
                        'verbose_name_plural': 'notifications',
                        'ordering': ['-created_at', '-id'],
                        'db_table': 'remediation_notification',
                        'indexes': [models.Index(fields=['recipient', 'read_at'], name='remediation_recipie_c59e79_idx')],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('once_key', ''), _negated=True), fields=('recipient', 'once_key'), name='notification_once_per_key')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(
            name='notification',
            table=None,
        ),
        migrations.RenameIndex(
            model_name='notification',
            new_name='notification_unread_idx',
            old_name='remediation_recipie_c59e79_idx',
        ),
    ]
