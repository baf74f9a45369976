"""What the organisation API accepts: the policy, with unknown fields and unknown time zones refused."""

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator

from models.policy import Policy


class PolicyUpdate(Policy):
    """The whole policy. Fields left out take their default values."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; use a name such as Europe/Amsterdam or Europe/Brussels"
            ) from None
        return value


def _optional(field: Any) -> tuple[Any, Any]:
    return field.annotation | None, Field(None, description=field.description)


# Each field as create_model takes it: (annotation, FieldInfo).
_CHANGES: dict[str, Any] = {name: _optional(field) for name, field in Policy.model_fields.items()}
PolicyChanges: type[BaseModel] = create_model(
    "PolicyChanges",
    __config__=ConfigDict(extra="forbid"),
    __doc__="Only the fields to change; the others keep their current values.",
    __module__=__name__,
    **_CHANGES,
)
