"""Settings for bench/pages.py only: the app's settings, the baseline's urlconf, no page cache.

The timeline is measured uncached (the cache would hide what drawing costs); static
files are named without a manifest so the bench needs no collectstatic."""

from ssbtracker.settings import *  # noqa: F403

ROOT_URLCONF = "pages_urls"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
PAGE_CACHE_SECONDS = 0
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATABASES["default"].get("OPTIONS", {}).pop("pool", None)  # noqa: F405
DATABASES["default"]["CONN_MAX_AGE"] = 600  # noqa: F405
LOGGING = {"version": 1, "disable_existing_loggers": True, "root": {"level": "ERROR", "handlers": []}}
