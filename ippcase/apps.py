from django.apps import AppConfig


class IppcaseConfig(AppConfig):
    name = "ippcase"
    verbose_name = "IPP cases"

    def ready(self) -> None:
        # The case permissions (rules.add_perm at import); recall and parole add theirs.
        from ippcase.core import permissions  # noqa: F401
