"""11.0.1.4.0: certificates are ordered only for the domains of the customer's hosting. So that no
certificate in service stops renewing or reissuing, each name ordered before becomes a hosted domain
of the customer who ordered it, on the web server its installs used, marked for staff review."""
import logging

from odoo import SUPERUSER_ID, api
from odoo.exceptions import ValidationError

_logger = logging.getLogger(__name__)

# Names of orders that never went anywhere are not taken as the customer's.
LEFT_OUT_STATES = ('cancelled', 'rejected', 'error')
# A name two customers ordered goes to the one whose certificate is in service (the site's owner,
# most likely), else to the first who ordered it; staff settle it in the review.
SERVING_STATES = ('issued', 'reissue', 'pending', 'timeout')


def base_name(name):
    name = (name or '').strip().lower().rstrip('.')
    return name[2:] if name.startswith('*.') else name


def orders_by_claim(env):
    orders = env['comodo.certificate.order'].with_context(active_test=False).search(
        [('state', 'not in', LEFT_OUT_STATES)], order='id')
    return orders.filtered(lambda order: order.state in SERVING_STATES) + \
        orders.filtered(lambda order: order.state not in SERVING_STATES)


def install_target(order):
    return order.install_ids.sorted('id', reverse=True).mapped('target_id')[:1] or order.deploy_target_id


def hosting_of(env, order, target):
    """The customer's subscription on that web server, else its only hosting subscription."""
    subscriptions = env['account.analytic.account'].search([
        ('partner_id', 'child_of', order.partner_id.commercial_partner_id.id),
        ('hosting_plan_id', '!=', False)])
    on_target = subscriptions.filtered(lambda subscription: target and subscription.deploy_target_id == target)
    return on_target[:1] or (subscriptions if len(subscriptions) == 1 else subscriptions.browse())


def make_hosted_domain(env, order, name):
    Domain = env['comodo.hosted.domain'].with_context(active_test=False)
    existing = Domain.search([('name', '=', name), ('company_id', '=', order.company_id.id)])
    if existing:
        if existing.partner_id.commercial_partner_id != order.partner_id.commercial_partner_id:
            _logger.warning('Hosted domains: %s was ordered by %s and by %s; it is left to %s for review',
                            name, existing.partner_id.display_name, order.partner_id.display_name,
                            existing.partner_id.display_name)
        return existing
    target = install_target(order)
    try:
        with env.cr.savepoint():
            return Domain.create({
                'name': name,
                'partner_id': order.partner_id.commercial_partner_id.id,
                'company_id': order.company_id.id,
                'subscription_id': hosting_of(env, order, target).id,
                'deploy_target_id': target.id,
                'certificate_folder': target.certificate_folder or False,
                'needs_review': True,
            })
    except ValidationError as error:
        _logger.warning('Hosted domains: %s (order %s) was not made a hosted domain: %s', name, order.name, error)
        return Domain.browse()


def make_hosted_domains(env):
    for order in orders_by_claim(env):
        hosted = [make_hosted_domain(env, order, base_name(name)) for name in order._domains()]
        if hosted[0].partner_id.commercial_partner_id == order.partner_id.commercial_partner_id \
                and not order.hosted_domain_id:
            order.hosted_domain_id = hosted[0]


def migrate(cr, version):
    if version:
        make_hosted_domains(api.Environment(cr, SUPERUSER_ID, {}))
