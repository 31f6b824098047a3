"""Alert rules moved to the alerts app: state only; the tables stay (alerts/0001 takes them over by name)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('indicators', '0007_alert_rule_unit_labels'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='firedalert',
                    name='rule',
                ),
                migrations.RemoveField(
                    model_name='firedalert',
                    name='acknowledged_by',
                ),
                migrations.DeleteModel(
                    name='AlertRule',
                ),
                migrations.DeleteModel(
                    name='FiredAlert',
                ),
            ],
        ),
    ]
