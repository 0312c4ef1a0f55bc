from odoo import api, fields, models


class ComodoCertificateKey(models.Model):
    """A private key Odoo made for a certificate order (one per certificate issued in its term),
    encrypted at rest.

    A model of its own because its access list, SSL managers only (read), is what guards the key on
    every path: Odoo 11 checks a field's groups= in read() and write() only, not in read_group,
    search domains, ordering or export_data. The certificate order shows it through a non-stored
    field that checks the reader's group first; the portal hands it to its owner after its own
    ownership check. The column holds a Fernet token (comodo.encryption), never the PEM.
    """

    _name = 'comodo.certificate.key'
    _description = 'Private Key of a Certificate Order'
    _rec_name = 'order_id'

    order_id = fields.Many2one('comodo.certificate.order', required=True, index=True, ondelete='cascade')
    # Stored for the company record rule: an SSL manager reads the keys of his own companies only.
    company_id = fields.Many2one(related='order_id.company_id', store=True, readonly=True, index=True)
    encrypted_private_key = fields.Text(readonly=True, copy=False)
    private_key_pem = fields.Text(string='Private Key', compute='_compute_private_key_pem',
                                  inverse='_inverse_private_key_pem')
    # A term holds several certificates, each reissue with a new key: a key belongs to the
    # certificate issued for it, and to none while its CSR waits for the CA.
    certificate_id = fields.Many2one('comodo.certificate', index=True, ondelete='cascade')

    _sql_constraints = [
        ('certificate_unique', 'unique(certificate_id)', 'A certificate has one private key.'),
    ]

    @api.depends('encrypted_private_key')
    def _compute_private_key_pem(self):
        encryption = self.env['comodo.encryption']
        for key in self:
            key.private_key_pem = encryption._decrypt(key, 'encrypted_private_key', key.encrypted_private_key)

    def _inverse_private_key_pem(self):
        encryption = self.env['comodo.encryption']
        for key in self:
            key.encrypted_private_key = encryption._encrypt(key, 'encrypted_private_key', key.private_key_pem)
