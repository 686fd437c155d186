"""The core's reads: QuerySets with their joins applied and derived figures, one module per concern."""

from .api import *  # noqa: F403
from .curation import *  # noqa: F403
from .intake import *  # noqa: F403
from .milestones import *  # noqa: F403
from .outlook import *  # noqa: F403
from .search import *  # noqa: F403
from .webhooks import *  # noqa: F403
