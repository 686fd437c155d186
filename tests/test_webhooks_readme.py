"""The README's standard-library receiver verifies our calls, and refuses forged ones."""

from __future__ import annotations

import io
import re
import threading
from http.server import HTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from milestones import services
from milestones.domain.webhooks import new_secret
from milestones.models import WebhookAttempt
from tests.factories import make_milestone

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("webhook_settings")]
README = Path(settings.BASE_DIR, "README.md").read_text()


def readme_receiver(secret: str) -> type:
    """The README's example with this secret, minus its last line (serve_forever on port 8080)."""
    section = README[README.index("receiver with the standard library only") :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    lines = [line for line in code.splitlines() if line.strip()]
    assert lines[-1].startswith("HTTPServer(") and len(lines) == 15
    namespace: dict = {}
    exec("\n".join(lines[:-1]).replace('"whsec_your+secret+here="', repr(secret)), namespace)
    return namespace["Receiver"]


@pytest.mark.parametrize("same_secret", [True, False])
def test_the_readme_receiver_accepts_ours_and_refuses_others(editor, capsys, same_secret):
    endpoint, secret = services.webhook_endpoint_create(owner=editor, data={"url": "http://127.0.0.1:9/"})
    server = HTTPServer(("127.0.0.1", 0), readme_receiver(secret if same_secret else new_secret()))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        services.webhook_endpoint_update(endpoint=endpoint, data={"url": url})
        make_milestone()
        call_command("deliver_webhooks", stdout=io.StringIO())
    finally:
        server.shutdown()
        server.server_close()
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code == (204 if same_secret else 401)
    assert ("milestone.created" in capsys.readouterr().out) is same_secret
