odoo.define('comodo_ssl_reseller.certificate_details', function (require) {
"use strict";

/**
 * A certificate line's cell in the quotation's lines: its domain, or "Enter the domain", as a link
 * that opens the line's form with every certificate detail (domain, further domains, validation
 * method, approver email, CSR, its certificate orders).
 *
 * A link, not a row button: the web client disables the buttons of a line not saved yet, and the
 * details are entered just after the product is chosen. The form opens as the order lines' own
 * dialog, which edits the line in place, saved or not, until the quotation is saved.
 */
var AbstractField = require('web.AbstractField');
var core = require('web.core');
var fieldRegistry = require('web.field_registry');

var _t = core._t;

var CertificateDetails = AbstractField.extend({
    className: 'o_comodo_certificate_details',
    supportedFieldTypes: ['char'],
    events: _.extend({}, AbstractField.prototype.events, {
        'click': '_onClick',
    }),

    /**
     * Shown without a domain too: it is where the domain is entered.
     *
     * @override
     */
    isSet: function () {
        return true;
    },

    /**
     * @override
     * @private
     */
    _render: function () {
        // A long domain is cut in the cell: the whole of it shows on hover.
        var title = this.value ? _.str.sprintf(_t("Certificate details: %s"), this.value) : _t("Certificate details");
        var $link = $('<a>', {href: '#', title: title});
        $link.append($('<i>', {class: 'fa fa-lock'}), ' ');
        if (this.value) {
            $link.append($('<span>', {class: 'o_comodo_domain', text: this.value}));
        } else {
            $link.addClass('text-warning').append($('<span>', {text: _t("Enter the domain")}));
        }
        this.$el.empty().append($link);
    },

    /**
     * The row's own click (edit the row inline) is not wanted here: the form opens instead.
     *
     * @private
     * @param {MouseEvent} ev
     */
    _onClick: function (ev) {
        ev.preventDefault();
        ev.stopPropagation();
        this.trigger_up('open_record', {id: this.dataPointID});
    },
});

fieldRegistry.add('comodo_certificate_details', CertificateDetails);

return CertificateDetails;
});
