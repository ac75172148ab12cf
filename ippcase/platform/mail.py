"""The e-mail backend for development and for a deployment without SMTP: each message is written
to a file under ``EMAIL_FILE_PATH`` (the data folder's ``mail/`` by default) and one log line says
how many and where, never a recipient, subject or body (issue 18).

Django's console backend, the default before, printed every message (CRNs, names, the link of
an invitation) to the console and so into the logs."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.core.mail.backends.filebased import EmailBackend as _FileBackend
from django.core.mail.message import EmailMessage

log = logging.getLogger(__name__)


class FileEmailBackend(_FileBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent: int = super().send_messages(email_messages)
        if sent:
            log.info("%d email written to %s", sent, self.file_path)
        return sent
