odoo.define('comodo_ssl_reseller.refusal_dialog', function (require) {
"use strict";

/**
 * The addon's refusals (ComodoRefusal: at sale Confirm, at Test connection) say what to change.
 * Odoo 11's crash manager titles every UserError "Odoo Server Error"; these get a plain "Warning"
 * dialog with their message, as the line's onchange warning already is.
 */
var core = require('web.core');
var Dialog = require('web.Dialog');

var _t = core._t;

var RefusalDialog = core.Class.extend({
    /**
     * The crash registry's handler interface (web.CrashManager's ExceptionHandler).
     *
     * @param {Object} parent the crash manager
     * @param {Object} error the JSON-RPC error: error.data.arguments[0] is the message
     */
    init: function (parent, error) {
        this.parent = parent;
        this.error = error;
    },
    display: function () {
        Dialog.alert(this.parent, this.error.data.arguments[0], {title: _t("Warning")});
    },
});

core.crash_registry.add('odoo.addons.comodo_ssl_reseller.exceptions.ComodoRefusal', RefusalDialog);

return RefusalDialog;
});
