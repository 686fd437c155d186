"""The intake assistant's core: read a pasted article into proposals (nothing written), and
write what the editor selected in one transaction through the other services."""

from .applying import *  # noqa: F403
from .reading import *  # noqa: F403
