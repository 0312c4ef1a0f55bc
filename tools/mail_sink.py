"""A local SMTP sink for the demo and the tests: every message Odoo sends is kept as an .eml file.

    python tools/mail_sink.py --port 2525 --folder .run/mail

Accepts any sender and recipient on 127.0.0.1 and writes each message, as received, to
FOLDER/<time>-<n>.eml (written aside, then renamed, so a reader never sees half a message). Prints
"mail-sink listening on 127.0.0.1:PORT, writing to FOLDER" once it accepts connections, and runs until
stopped (SIGTERM or Ctrl-C). Nothing is relayed anywhere.
"""
import argparse
import itertools
import os
import signal
import sys
import threading
import time

from aiosmtpd.controller import Controller

READY_PREFIX = 'mail-sink listening on '


class EmlFolder(object):
    """aiosmtpd handler: one .eml file per message delivered."""

    def __init__(self, folder):
        self.folder = folder
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            name = '%s-%06d.eml' % (time.strftime('%Y%m%dT%H%M%S'), next(self._numbers))
        path = os.path.join(self.folder, name)
        with open(path + '.part', 'wb') as handle:
            handle.write(envelope.original_content or envelope.content)
        os.rename(path + '.part', path)
        return '250 Message accepted for delivery'


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--folder', required=True)
    options = parser.parse_args()
    os.makedirs(options.folder, exist_ok=True)
    controller = Controller(EmlFolder(options.folder), hostname='127.0.0.1', port=options.port)
    controller.start()
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    print('%s127.0.0.1:%d, writing to %s' % (READY_PREFIX, options.port, os.path.abspath(options.folder)),
          flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
