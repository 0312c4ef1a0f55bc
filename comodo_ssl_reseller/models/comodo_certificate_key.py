from odoo import fields, models


class ComodoCertificateKey(models.Model):
    """A private key Odoo made for a certificate order (one per certificate issued in its term).

    A model of its own because its access list, SSL managers only (read), is what guards the key on
    every path: Odoo 11 checks a field's groups= in read() and write() only, not in read_group,
    search domains, ordering or export_data. The certificate order shows it through a non-stored
    field that checks the reader's group first; the portal hands it to its owner after its own
    ownership check.
    """

    _name = 'comodo.certificate.key'
    _description = 'Private Key of a Certificate Order'
    _rec_name = 'order_id'

    order_id = fields.Many2one('comodo.certificate.order', required=True, index=True, ondelete='cascade')
    private_key_pem = fields.Text(string='Private Key', required=True)
    # A term holds several certificates, each reissue with a new key: a key belongs to the
    # certificate issued for it, and to none while its CSR waits for the CA.
    certificate_id = fields.Many2one('comodo.certificate', index=True, ondelete='cascade')

    _sql_constraints = [
        ('certificate_unique', 'unique(certificate_id)', 'A certificate has one private key.'),
    ]
