"""The core's writes: every rule and every change of stored data, one module per aggregate.

Faces (admin, API, pages, commands, tasks) call these keyword-only functions and
show the ``ValidationError`` they raise; they never write models themselves.
"""

from .announcements import *  # noqa: F403
from .beat import *  # noqa: F403
from .digests import *  # noqa: F403
from .editors import *  # noqa: F403
from .intake import *  # noqa: F403
from .milestones import *  # noqa: F403
from .records import *  # noqa: F403
from .reminders import *  # noqa: F403
from .subscriptions import *  # noqa: F403
from .transfer import *  # noqa: F403
from .webhook_sender import *  # noqa: F403
from .webhooks import *  # noqa: F403
