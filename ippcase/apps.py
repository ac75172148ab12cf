from django.apps import AppConfig


class IppcaseConfig(AppConfig):
    name = "ippcase"
    verbose_name = "IPP cases"
