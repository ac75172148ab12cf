from django.apps import AppConfig


class QualityConfig(AppConfig):
    """Quality assurance of recall decisions (issue 19; docs/quality-assurance.md)."""

    name = "ippcase.quality"
    label = "quality"
    verbose_name = "Quality assurance"

    def ready(self) -> None:
        from ippcase.quality import permissions  # noqa: F401  (registers the rules)
