# The notifications move to the ground app healthpov.notifications (label "notifications"),
# which must not know remediation's items: the item a notification was about becomes its link.

from django.db import migrations, models
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat


def items_to_links(apps, schema_editor):
    Notification = apps.get_model("remediation", "Notification")
    Notification.objects.filter(item__isnull=False).update(
        link=Concat(
            Value("/remediation/items/"),
            Cast("item_id", output_field=CharField()),
            Value("/"),
            output_field=CharField(),
        )
    )


class Migration(migrations.Migration):

    dependencies = [
        ('remediation', '0003_notification_work_due'),
    ]

    operations = [
        migrations.AddField(
            model_name='notification',
            name='link',
            field=models.CharField(blank=True, default='', editable=False, max_length=200),
            preserve_default=False,
        ),
        migrations.RunPython(items_to_links, migrations.RunPython.noop),
    ]
