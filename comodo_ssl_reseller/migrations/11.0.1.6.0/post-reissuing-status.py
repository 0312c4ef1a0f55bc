"""11.0.1.6.0: an order shows a status beside its state, which reads Reissuing for a live certificate
being reissued also while Comodo validates its new CSR, and the invoices' Certificate State follows
that status instead of the state. The new status column is computed at the update; the invoices'
column existed, so their values are brought in line here. Running it again changes nothing."""
import logging

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    # lifecycle.shown_state: a reissue under way (lifecycle.REISSUING) with a current certificate.
    cr.execute("""
        UPDATE comodo_certificate_order o
           SET status = shown.status
          FROM (SELECT id, CASE WHEN certificate_id IS NOT NULL AND state IN ('reissue', 'pending', 'timeout')
                                THEN 'reissue' ELSE state END AS status
                  FROM comodo_certificate_order) shown
         WHERE shown.id = o.id AND o.status IS DISTINCT FROM shown.status
    """)
    cr.execute("""
        UPDATE account_invoice i
           SET comodo_certificate_state = o.status
          FROM comodo_certificate_order o
         WHERE o.id = i.comodo_order_id AND i.comodo_certificate_state IS DISTINCT FROM o.status
    """)
    _logger.info('%d certificate invoices read the status of their order', cr.rowcount)
