import logging
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ssbtracker.settings")

app = Celery("ssbtracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class _EmbeddedBrokerHostnameFilter(logging.Filter):
    """The embedded ``filesystem://`` broker has no host, so kombu's "No hostname was supplied" is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("No hostname was supplied")


# On the logger itself, so it holds whatever handlers Django or Celery install later.
logging.getLogger("kombu.connection").addFilter(_EmbeddedBrokerHostnameFilter())
