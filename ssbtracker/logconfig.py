"""Logging: one JSON object per line in production, a text line while DEBUG;
every record carries the request id."""

from __future__ import annotations


def logging_config(log_format: str, level: str) -> dict:
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "milestones.web.middleware.RequestIdLogFilter"},
            "secrets": {"()": "milestones.web.middleware.SecretRedactingFilter"},
        },
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                "rename_fields": {"asctime": "time", "levelname": "level"},
            },
            "text": {"()": "milestones.web.middleware.TextLogFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["request_id", "secrets"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        # Django's console handler repeats records unformatted; runserver's access line repeats ours (errors stay).
        # django-axes reports every sign-in and its housekeeping at INFO; failures and lockouts are warnings.
        "loggers": {
            "django": {"handlers": []},
            "django.server": {"level": "ERROR", "propagate": True},
            "axes": {"level": "WARNING"},
        },
    }
