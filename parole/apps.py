from django.apps import AppConfig


class ParoleConfig(AppConfig):
    name = "parole"
