"""The addon's security groups, by the XML ids code checks them with."""

SSL_MANAGERS = 'comodo_ssl_reseller.group_ssl_manager'
SSL_USERS = 'comodo_ssl_reseller.group_ssl_user'
