import re
import secrets

# Every id Touchpoint gives out is 13 characters; those it is given (in paths and bodies) become
# parts of DynamoDB keys, so they are bounded well below the 1,024-byte sort-key limit.
MAX_ID_CHARS = 64
_WELL_FORMED = re.compile(rf"[A-Za-z0-9_-]{{1,{MAX_ID_CHARS}}}")
ID_RULE = f"ids are 1 to {MAX_ID_CHARS} letters, digits, '_' or '-'"


def new_id(prefix: str) -> str:
    """A random, URL-safe id that says what it names: 'cl_…', 'pt_…', 'ap_…', 'jb_…'."""
    return f"{prefix}_{secrets.token_hex(10)}"


def is_well_formed_id(text: object) -> bool:
    """Whether `text` could be an id: one that is not names nothing stored."""
    return isinstance(text, str) and _WELL_FORMED.fullmatch(text) is not None
