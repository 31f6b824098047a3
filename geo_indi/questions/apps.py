from django.apps import AppConfig


class QuestionsConfig(AppConfig):
    name = "geo_indi.questions"
    verbose_name = "Questions to local actors"
