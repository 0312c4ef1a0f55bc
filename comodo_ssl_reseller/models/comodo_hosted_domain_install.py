import posixpath

from odoo import api, fields, models


class ComodoHostedDomain(models.Model):
    """Where a hosted domain's certificate files go on its web server.

    Each customer has a folder of its own on a shared server, so that no customer's install ever
    writes, keeps or restores a file another customer's site reads: the hosted domain's certificate
    folder if staff named one (a relative name is taken inside the web server's folder), else
    `<web server's certificate folder>/customer-<customer's id>`. The server's configuration names
    `<folder>/<domain>.fullchain.pem` and `<folder>/<domain>.key`; the folder is made at the first
    install if its parent exists."""

    _inherit = 'comodo.hosted.domain'

    install_folder = fields.Char(
        string='Certificate Folder in Use', compute='_compute_install_folder',
        help='Where the certificate files are written on the web server: the folder above, or the '
             'customer\'s own folder in the web server\'s certificate folder. Name these files in the '
             'web server\'s configuration.')

    @api.depends('certificate_folder', 'deploy_target_id.certificate_folder', 'partner_id.commercial_partner_id')
    def _compute_install_folder(self):
        for domain in self:
            domain.install_folder = domain._install_folder_of(domain.deploy_target_id.sudo())

    def _install_folder_of(self, target):
        """The folder for this domain's files on `target` (False without a target)."""
        self.ensure_one()
        if not target or not self.partner_id:
            return False
        base = target.certificate_folder or '/'
        if self.certificate_folder:
            return posixpath.normpath(posixpath.join(base, self.certificate_folder.strip()))
        return posixpath.join(base, 'customer-%d' % self.partner_id.commercial_partner_id.id)
