"""User configuration and policy files: schema, user dirs, loading with
precise errors, profiles, and the formats policies are exported to."""
