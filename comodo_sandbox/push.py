"""Sectigo's certificate issuance push: with --push-url, the sandbox calls that URL whenever it
decides an order, as Sectigo calls a partner's (comodo-api.md §7).

A GET with orderNumber, certificateID, eventType=Certificate, and the status as text and as the push
status code (6 issued, 7 rejected, 8 revoked; in validating mode also 3 "PRE-SIGN FAILED" when a
name's CAA check newly forbids issuance, as Sectigo reports a CAA failure). Sent from a thread of its own, so that deciding never
waits for the partner, and retried up to three times as Sectigo does. The URL usually holds a secret:
it is never logged.
"""
import logging
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

from comodo_sandbox.store import ISSUED, REJECTED, REVOKED

log = logging.getLogger('comodo_sandbox')

PUSH_STATUS = {ISSUED: (6, 'Issued'), REJECTED: (7, 'Rejected'), REVOKED: (8, 'Revoked')}
PRE_SIGN_FAILED = (3, 'PRE-SIGN FAILED')
EVENT_TYPE = 'Certificate'
RETRIES = 3
RETRY_DELAY_SECONDS = 1
TIMEOUT_SECONDS = 10


class Pusher(object):

    def __init__(self, url):
        self.url = url

    def order_decided(self, order):
        if order.status in PUSH_STATUS:
            self._push(order, *PUSH_STATUS[order.status])

    def caa_check_failed(self, order):
        self._push(order, *PRE_SIGN_FAILED)

    def _push(self, order, code, text):
        if not self.url:
            return
        query = urlencode([('orderNumber', order.order_number), ('certificateID', order.certificate_id),
                           ('eventType', EVENT_TYPE), ('status', text), ('statusCode', code)])
        separator = '&' if '?' in self.url else '?'
        threading.Thread(target=self._send, args=(self.url + separator + query, order.order_number, text),
                         daemon=True).start()

    def _send(self, url, order_number, status):
        for attempt in range(1, RETRIES + 2):
            try:
                with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as answer:
                    log.info('push order=%s status=%s answered HTTP %s', order_number, status, answer.status)
                    return
            except (urllib.error.URLError, OSError) as error:
                log.warning('push order=%s status=%s failed (attempt %d): %s', order_number, status,
                            attempt, getattr(error, 'code', None) or type(error).__name__)
            time.sleep(RETRY_DELAY_SECONDS)
