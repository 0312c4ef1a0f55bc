from odoo import _, api, models


class MailTrackingValue(models.Model):
    """A tracked yes/no field reads "Auto Renew: Yes → No" in the chatter, not "true false"."""

    _inherit = 'mail.tracking.value'

    @api.multi
    def get_display_value(self, type):
        values = super(MailTrackingValue, self).get_display_value(type)
        return [(_('Yes') if value else _('No')) if record.field_type == 'boolean' else value
                for record, value in zip(self, values)]
