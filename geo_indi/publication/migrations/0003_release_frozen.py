from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('publication', '0002_verbose_names'),
    ]

    operations = [
        migrations.AddField(
            model_name='publishedrelease',
            name='frozen',
            field=models.BooleanField(default=False, help_text='the release of a closed year: never computed again', verbose_name='frozen'),
        ),
        migrations.AddField(
            model_name='publishedrelease',
            name='reason',
            field=models.TextField(blank=True, help_text='given by the administrator who republished a frozen year', verbose_name='reason for republishing'),
        ),
    ]
