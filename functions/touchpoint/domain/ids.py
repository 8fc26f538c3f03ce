import secrets


def new_id(prefix: str) -> str:
    """A random, URL-safe id that says what it names: 'cl_…', 'pt_…', 'ap_…', 'jb_…'."""
    return f"{prefix}_{secrets.token_hex(10)}"
