odoo.define('comodo_ssl_reseller.deploy_target_fields', function (require) {
"use strict";

var basicFields = require('web.basic_fields');
var fieldRegistry = require('web.field_registry');

// Ports and the like are names, not amounts: "8022", never "8,022".
var PlainInteger = basicFields.FieldInteger.extend({
    _formatValue: function (value) {
        return (value || value === 0) ? String(value) : '';
    },
});

fieldRegistry.add('comodo_plain_integer', PlainInteger);

return {PlainInteger: PlainInteger};
});
