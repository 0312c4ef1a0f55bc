from . import chatter
from . import portal
from . import status_push
from . import queue_job
from . import portal_preflight
