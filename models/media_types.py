"""Media types as HTTP sends them (``type/subtype; name=value``): what the event intake and the event model both read."""


def media_type(value: str | None) -> tuple[str, dict[str, str]]:
    """``type/subtype`` in lower case and the parameters (names in lower case, quotes taken off)."""
    if not value:
        return "", {}
    kind, *parts = value.split(";")
    params = {}
    for part in parts:
        name, _, param = part.partition("=")
        if name.strip():
            params[name.strip().lower()] = param.strip().strip('"')
    return kind.strip().lower(), params


def is_json(value: str | None) -> bool:
    """Whether a media type holds JSON: ``application/json`` or any ``+json`` type, whatever its parameters."""
    kind, _ = media_type(value)
    return kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))
