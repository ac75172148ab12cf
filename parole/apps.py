from django.apps import AppConfig


class ParoleConfig(AppConfig):
    name = "parole"

    def ready(self) -> None:
        """Plug parole into the layers below it, which never import it (docs/architecture.md):
        the Parole Board's termination of a licence, and PPCS's parole work."""
        from ippcase.cases import licence
        from parole import permissions, selectors

        licence.register_board_termination(selectors.BOARD_TERMINATION)
        permissions.register()
