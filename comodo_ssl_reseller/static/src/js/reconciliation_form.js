odoo.define('comodo_ssl_reseller.reconciliation_form', function (require) {
"use strict";

var FormController = require('web.FormController');
var FormView = require('web.FormView');
var viewRegistry = require('web.view_registry');

// The reconciliation's buttons save the dates and compare: what the form then shows is their
// result to read, so it leaves edit mode (the web client's buttons keep it otherwise). A refusal
// leaves it in edit mode, the dates still there to correct.
var ReconciliationFormController = FormController.extend({
    _callButtonAction: function () {
        var self = this;
        // The web client's own reload after the button is not waited for: the result is read
        // again here, then shown read-only.
        return this._super.apply(this, arguments).then(function () {
            if (self.mode !== 'edit' || self.isDestroyed()) {
                return;
            }
            return self.reload().then(function () {
                return self._setMode('readonly');
            });
        });
    },
});

var ReconciliationFormView = FormView.extend({
    config: _.extend({}, FormView.prototype.config, {Controller: ReconciliationFormController}),
});

viewRegistry.add('comodo_reconciliation_form', ReconciliationFormView);

return {ReconciliationFormController: ReconciliationFormController};
});
