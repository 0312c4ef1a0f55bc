"""11.0.1.6.0: each certificate's invoice line names its certificate order, so that one invoice can
bill a whole sale and a rejection credits that certificate's line alone. Invoices made so far bill
one certificate each (the invoice names it): their lines, and their credit notes' lines, name it
too. Running it again changes nothing."""
import logging

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    cr.execute("""
        UPDATE account_invoice_line line
           SET comodo_order_id = invoice.comodo_order_id
          FROM account_invoice invoice
         WHERE invoice.id = line.invoice_id
           AND invoice.comodo_order_id IS NOT NULL
           AND line.comodo_order_id IS NULL
    """)
    _logger.info('%d certificate invoice lines name their certificate order', cr.rowcount)
