"""Who acts, and the input of the workflow update they ask for.

For now a request names the acting person in its body (``actor: {email, role}``); sign-in will take
its place. Everything that knows where the actor comes from lives here: ``request_model`` (the body a
route accepts: the update's own fields without those the path gives) and ``acting`` (the dependency
that turns body and path into the update's input, asking ``acting_person`` who acts). An auth layer
swaps these: it leaves ``actor`` out of the body and has ``acting_person`` answer with the signed-in
user; the routes do not change.

The case decides whether the actor may do what they ask; ``perform`` turns its answer into HTTP."""

import copy
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import Body, Depends, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError, create_model
from temporalio.client import WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError

from cases.service import ActionRejected, CaseNotFound
from models.actors import Actor, Role
from web.validation import invalid_body

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

ACTOR_DESCRIPTION = "Who does this: their email address and their role in the case. Sign-in will take the place of this field."


def request_model(update: type[BaseModel], name: str, *, path: tuple[str, ...] = ()) -> type[BaseModel]:
    """The body of a route for ``update``: its fields, less those given in the path; unknown fields refused.

    Times must carry their offset (``2027-01-20T10:00:00+01:00``): a bare time could be read in
    more than one zone, and the case compares it with its own clock."""
    fields: dict[str, Any] = {}
    for field_name, field in update.model_fields.items():
        if field_name in path:
            continue
        field = copy.deepcopy(field)
        if field.annotation is datetime:
            field.annotation = AwareDatetime
        if field_name == "actor" and not field.description:
            field.description = ACTOR_DESCRIPTION
        fields[field_name] = (field.annotation, field)
    return create_model(name, __config__=ConfigDict(extra="forbid"), __doc__=update.__doc__, __module__=__name__, **fields)


def acting_person(body: BaseModel) -> Actor:
    """Who acts: for now, whom the body names. The one place sign-in replaces."""
    actor: Actor = body.actor  # type: ignore[attr-defined]
    if actor.role == Role.SYSTEM:
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("body", "actor", "role"), "msg": "system is the workflows' own role; nobody acts as it", "input": "system"}]
        )
    return actor


def acting(update: type[M], name: str, *, path: tuple[str, ...] = ()) -> Any:
    """Dependency: the input of ``update`` from the body (``name`` in OpenAPI) and the path parameters in ``path``.

    Checks across fields of ``update`` (say, AddTask's one due date) answer 422 like any other body error."""
    body_model = request_model(update, name, path=path)

    async def read(request: Request, body: Annotated[body_model, Body()]) -> M:  # type: ignore[valid-type]
        values = {field_name: getattr(body, field_name) for field_name in body_model.model_fields}
        values.update({key: request.path_params[key] for key in path})
        values["actor"] = acting_person(body)
        try:
            return update.model_validate(values)
        except ValidationError as err:
            raise invalid_body(err) from err

    return Depends(read)


async def perform(action: Awaitable[T], not_found: str | Callable[[], Awaitable[str]]) -> T:
    """Run an update; answer 404 (``not_found``, or what it answers) when there is nothing to act on, 409 with the case's reason when it refuses."""
    try:
        return await action
    except CaseNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, not_found if isinstance(not_found, str) else await not_found())
    except ActionRejected as err:
        raise HTTPException(status.HTTP_409_CONFLICT, str(err))
    except WorkflowUpdateRPCTimeoutOrCancelledError:
        raise HTTPException(
            status.HTTP_504_GATEWAY_TIMEOUT,
            "The case did not answer in time. The action may still be applied: look at the case before trying again.",
        )
    except RPCError:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "The case cannot be reached right now; try again in a moment.", headers={"Retry-After": "5"})
