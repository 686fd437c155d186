"""Settings for bench/api.py only: the app's settings plus the baseline view's urlconf.

Throttling is lifted (the bench is one client hammering one endpoint) and database
connections persist for both views alike, so the comparison is serializer against baseline.
"""

from ssbtracker.settings import *  # noqa: F403

ROOT_URLCONF = "api_urls"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {"anon": "1000000/second", "user": "1000000/second"},
}
DATABASES["default"].get("OPTIONS", {}).pop("pool", None)  # noqa: F405
DATABASES["default"]["CONN_MAX_AGE"] = 600  # noqa: F405
LOGGING = {"version": 1, "disable_existing_loggers": True, "root": {"level": "ERROR", "handlers": []}}
