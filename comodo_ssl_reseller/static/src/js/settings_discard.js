odoo.define('comodo_ssl_reseller.settings_discard', function (require) {
"use strict";

var BaseSettings = require('base.settings');

// Odoo's Discard reloads the settings page's record. A button on the page (Test connection) has
// saved what was typed into that record first, so Discard would show it again: it opens the
// stored settings instead, as it does on a page no button has saved.
BaseSettings.Controller.include({
    _onButtonClicked: function (event) {
        var record = this.model.get(this.handle, {raw: true});
        if (event.data.attrs.special === 'cancel' && record.res_id) {
            event.stopPropagation();
            return this.createRecord();
        }
        return this._super.apply(this, arguments);
    },
});
});
