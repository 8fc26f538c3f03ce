"""Infrastructure helpers: the template reader and the local stack."""
