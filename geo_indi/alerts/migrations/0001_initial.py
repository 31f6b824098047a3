"""Alert rules and fired alerts, taken over from indicators by state only: the tables keep their names
(indicators_alertrule, indicators_firedalert, indicators_alertrule_recipient_users), so no data moves. Their
content types are relabelled, so granted permissions and admin log entries follow the models."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MOVED = ("alertrule", "firedalert")


def relabel_content_types(apps, schema_editor, old="indicators", new="alerts"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.using(schema_editor.connection.alias).filter(app_label=old, model__in=MOVED).update(app_label=new)


def relabel_back(apps, schema_editor):
    relabel_content_types(apps, schema_editor, old="alerts", new="indicators")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0003_verbose_names'),
        ('areas', '0002_verbose_names'),
        ('indicators', '0008_alert_rules_moved_to_alerts'),
        ('observations', '0004_verbose_names'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='AlertRule',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(blank=True, max_length=200, verbose_name='name')),
                        ('direction', models.CharField(blank=True, choices=[('weakens', 'Weakens wellbeing'), ('strengthens', 'Strengthens wellbeing')], max_length=12, verbose_name='effect on wellbeing')),
                        ('condition', models.CharField(choices=[('count_at_least', 'At least N observations in the last D days'), ('increase_percent', 'Increase of at least P % over the previous period'), ('indicator_threshold', 'Linked indicator crosses a threshold'), ('new_hot_spot', 'A postcode area becomes a new hot spot')], max_length=24, verbose_name='condition')),
                        ('unit', models.CharField(choices=[('occurrences', 'occurrences'), ('records', 'records')], default='occurrences', help_text='What a count rule counts: occurrences (the cases recorded) or records', max_length=12, verbose_name='what is counted')),
                        ('min_count', models.PositiveIntegerField(blank=True, help_text="N for 'at least N observations'", null=True, verbose_name='minimum count N')),
                        ('window_days', models.PositiveIntegerField(blank=True, help_text='D: length of the period in days', null=True, verbose_name='period in days D')),
                        ('increase_percent', models.FloatField(blank=True, help_text="P for 'increase of at least P %'", null=True, verbose_name='increase in per cent P')),
                        ('comparison', models.CharField(blank=True, choices=[('above', 'above'), ('below', 'below')], max_length=5, verbose_name='above or below')),
                        ('threshold', models.FloatField(blank=True, help_text='Indicator value the latest year is compared with', null=True, verbose_name='threshold')),
                        ('recipient_emails', models.TextField(blank=True, help_text='Extra e-mail addresses of the organisation, one per line', verbose_name='other e-mail addresses')),
                        ('is_active', models.BooleanField(default=True, verbose_name='active')),
                        ('condition_state', models.JSONField(blank=True, default=dict, editable=False, help_text='What the condition saw at the previous evaluation (new hot spot: the hot spot areas)', verbose_name='state of the condition')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                        ('limit_set_at', models.DateTimeField(blank=True, null=True, verbose_name='limit set')),
                        ('category', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='observations.category', verbose_name='category')),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                        ('indicator', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='alert_rules', to='indicators.indicator', verbose_name='indicator')),
                        ('limit_set_by', models.ForeignKey(blank=True, help_text='Who last set the condition or its limit', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='limit set by')),
                        ('municipality', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='alert_rules', to='areas.municipality', verbose_name='municipality')),
                        ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='alert_rules', to='accounts.organisation', verbose_name='organisation')),
                        ('phenomenon', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='alert_rules', to='observations.phenomenon', verbose_name='phenomenon')),
                        ('postcode_area', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='alert_rules', to='areas.postcodearea', verbose_name='postcode area')),
                        ('recipient_users', models.ManyToManyField(blank=True, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='recipients')),
                    ],
                    options={
                        'verbose_name': 'alert rule',
                        'verbose_name_plural': 'alert rules',
                        'db_table': 'indicators_alertrule',
                        'ordering': ['organisation', 'phenomenon', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='FiredAlert',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('fired_at', models.DateTimeField(verbose_name='fired')),
                        ('window_start', models.DateField(verbose_name='period start')),
                        ('window_end', models.DateField(verbose_name='period end')),
                        ('observed_value', models.FloatField(blank=True, null=True, verbose_name='observed value')),
                        ('message', models.TextField(verbose_name='message')),
                        ('recipients_notified', models.PositiveIntegerField(default=0, verbose_name='recipients notified')),
                        ('acknowledged_at', models.DateTimeField(blank=True, null=True, verbose_name='acknowledged')),
                        ('cleared_at', models.DateTimeField(blank=True, null=True, verbose_name='cleared')),
                        ('acknowledged_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='acknowledged by')),
                        ('rule', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='fired_alerts', to='alerts.alertrule', verbose_name='rule')),
                    ],
                    options={
                        'verbose_name': 'fired alert',
                        'verbose_name_plural': 'fired alerts',
                        'db_table': 'indicators_firedalert',
                        'ordering': ['-fired_at', '-id'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='alertrule',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('municipality__isnull', False), ('postcode_area__isnull', True)), models.Q(('municipality__isnull', True), ('postcode_area__isnull', False)), _connector='OR'), name='alert_rule_one_area'),
                ),
                migrations.AddConstraint(
                    model_name='firedalert',
                    constraint=models.UniqueConstraint(condition=models.Q(('cleared_at__isnull', True)), fields=('rule',), name='one_open_alert_per_rule'),
                ),
            ],
        ),
        migrations.RunPython(relabel_content_types, relabel_back),
    ]
