from . import portal
from . import status_push
from . import queue_job
