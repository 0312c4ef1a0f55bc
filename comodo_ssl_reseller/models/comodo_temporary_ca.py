from odoo import api, fields, models

from ..deploy import make_temporary_ca, sign_temporary_certificate

# First key of the advisory lock taken while a company's temporary CA is made ('tmpc').
TEMPORARY_CA_LOCK = 0x746d7063


class ComodoTemporaryCa(models.Model):
    """A company's temporary CA: it signs the certificates installed at purchase, until Comodo
    issues. Its key is a secret like the others: encrypted at rest, in a model only SSL managers
    may read (and they have no need to: the install job uses it as superuser)."""

    _name = 'comodo.temporary.ca'
    _description = 'Temporary CA of a Company'
    _rec_name = 'company_id'

    company_id = fields.Many2one('res.company', required=True, readonly=True, ondelete='cascade')
    certificate_pem = fields.Text(string='CA Certificate', readonly=True)
    encrypted_private_key = fields.Text(readonly=True, copy=False)

    _sql_constraints = [
        ('company_unique', 'unique(company_id)', 'A company has one temporary CA.'),
    ]

    @api.model
    def _for_company(self, company):
        """The company's temporary CA, made on first use (an advisory lock keeps two workers from
        making two)."""
        self.env.cr.execute('SELECT pg_advisory_xact_lock(%s, %s)', (TEMPORARY_CA_LOCK, company.id))
        ca = self.sudo().search([('company_id', '=', company.id)])
        if not ca:
            certificate_pem, key_pem = make_temporary_ca(company.name)
            ca = self.sudo().create({'company_id': company.id, 'certificate_pem': certificate_pem})
            # Encrypted once the record exists: the token is bound to it.
            ca.encrypted_private_key = self.env['comodo.encryption']._encrypt(ca, 'encrypted_private_key', key_pem)
        return ca

    def _sign(self, private_key_pem, domains):
        self.ensure_one()
        return sign_temporary_certificate(
            self.certificate_pem,
            self.env['comodo.encryption']._decrypt(self, 'encrypted_private_key', self.encrypted_private_key),
            private_key_pem, domains)
