from odoo import fields, models

from ..lifecycle import POLLED

# Orders whose work is due (placing, checking, reissuing, or a billing step) while no job of theirs
# is queued or running: nothing happens to them before the next scheduled poll queues them.
DUE_WITHOUT_JOB_QUERY = """
    SELECT o.id FROM comodo_certificate_order o
     WHERE ((o.state IN %s AND o.next_check_at <= (now() at time zone 'UTC'))
            OR o.billing_step IS NOT NULL)
       AND NOT EXISTS (
           SELECT 1 FROM queue_job j
            WHERE j.model_name = 'comodo.certificate.order'
              AND j.state IN ('pending', 'enqueued', 'started')
              AND j.record_ids IS NOT NULL
              AND j.record_ids::jsonb @> jsonb_build_array(o.id))"""


class ComodoCertificateOrder(models.Model):
    _inherit = 'comodo.certificate.order'

    due_without_job = fields.Boolean(
        string='Due, No Job', compute='_compute_due_without_job', search='_search_due_without_job',
        help='Its work is due and no job is queued or running for it (a job that failed, or was lost '
             'before the server was restarted): the next scheduled poll queues it, or press Check.')

    def _due_without_job_ids(self, ids=None):
        query, params = DUE_WITHOUT_JOB_QUERY, (POLLED,)
        if ids is not None:
            query, params = query + ' AND o.id IN %s', params + (tuple(ids) or (0,),)
        self.env.cr.execute(query, params)
        return {row[0] for row in self.env.cr.fetchall()}

    def _compute_due_without_job(self):
        stalled = self._due_without_job_ids(self.ids)
        for order in self:
            order.due_without_job = order.id in stalled

    def _search_due_without_job(self, operator, value):
        if operator not in ('=', '!='):
            raise ValueError('Unsupported operator %s for due_without_job' % operator)
        wanted = (operator == '=') == bool(value)
        return [('id', 'in' if wanted else 'not in', list(self._due_without_job_ids()))]
