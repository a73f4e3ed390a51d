"""SCIM 2.0 provisioning: routes, filters and resource translation."""
