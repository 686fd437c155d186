"""Settings for bench/load.py: the app's production settings plus the bench's CPU meter.

The load test serves either this checkout or an earlier one (``--before``) with
this module on the path, so both are measured the same way."""

from ssbtracker.settings import *  # noqa: F403

MIDDLEWARE = ["cpu_meter.CpuMeter", *MIDDLEWARE]  # noqa: F405
