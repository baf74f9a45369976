"""Who acts, and the input of the workflow update they ask for.

The one place that decides who is acting. With a session (a signed-in person, in the browser or an API
client holding the session cookie) the signed-in person acts, in the role the update needs among the
roles of their account (``actor_for``); a body naming an ``actor`` as well is refused. With a bearer
token its account acts the same way; a body may still name the actor (as programs did before tokens),
but only that account, in a role it may take. With neither, the body names the actor, and only while
the setting ``api_trust_body_actor`` allows it (a closed integration network); otherwise 401.

Whether the account may ask for the update at all is settled before the body is read, so that someone
who may not act is told 401 or 403, never what their body lacked.

``request_model`` is the body a route accepts (the update's own fields without those the path gives),
``acting`` the dependency that turns body and path into the update's input. The case decides whether
the actor may do what they ask; ``perform`` turns its answer into HTTP."""

import copy
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import Body, Depends, HTTPException, Request, Security, status
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError, create_model

from cases.service import ActionRejected, CaseNotFound
from models import interview
from models.access import RevokeAccessNow
from models.accounts import AccountRole, SignedIn
from models.actors import Actor, Role
from models.handover import (
    AddTask,
    CompleteTask,
    ConfirmReturn,
    FlagForSettlement,
    MoveLastDay,
    ReassignTask,
    ReopenReturn,
    ReopenTask,
    Withdraw,
)
from web.auth import csrf
from web.auth.guard import bearer_scheme, current_user, deny, unauthorized
from web.refusals import Refused
from web.validation import invalid_body

log = logging.getLogger("web.access")

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

ACTOR_DESCRIPTION = (
    "Who does this, for an API client with neither a session nor a token while the setting `api_trust_body_actor` "
    "allows it: their email address and their role in the case. With a session leave it out: the signed-in person acts. "
    "With a token leave it out, or name the token's own account (and a role it may take)."
)

# For each update, the account roles that may ask for it, in order of preference, and the role the signed-in
# person then has in the case. ``None``: any signed-in account (a colleague handed a task). The case still checks
# that it is theirs to do (their task or their shared mailbox's, their case as manager, their equipment as
# custodian, their interview). Moving the last day and withdrawing are HR's alone.
# The leaving employee acts through their personal link (web/interviews/links.py), never through an account.
_ANYONE = None
ACTING_ROLES: dict[type[BaseModel], tuple[tuple[AccountRole | None, Role], ...]] = {
    CompleteTask: ((AccountRole.HR, Role.HR), (AccountRole.MANAGER, Role.MANAGER), (_ANYONE, Role.ASSIGNEE)),
    ReassignTask: ((AccountRole.HR, Role.HR), (AccountRole.MANAGER, Role.MANAGER), (_ANYONE, Role.ASSIGNEE)),
    ReopenTask: ((AccountRole.HR, Role.HR), (_ANYONE, Role.ASSIGNEE)),
    AddTask: ((AccountRole.HR, Role.HR), (AccountRole.MANAGER, Role.MANAGER)),
    ConfirmReturn: ((AccountRole.HR, Role.HR), (_ANYONE, Role.CUSTODIAN)),
    ReopenReturn: ((AccountRole.HR, Role.HR), (_ANYONE, Role.CUSTODIAN)),
    MoveLastDay: ((AccountRole.HR, Role.HR),),
    FlagForSettlement: ((AccountRole.HR, Role.HR),),
    Withdraw: ((AccountRole.HR, Role.HR),),
    RevokeAccessNow: ((AccountRole.HR, Role.HR),),
    interview.ConfirmInterview: ((AccountRole.HR, Role.HR),),
    interview.AssignInterviewer: ((AccountRole.HR, Role.HR),),
    interview.AskOtherInterviewer: ((AccountRole.HR, Role.HR),),
    interview.ScheduleInterview: ((AccountRole.HR, Role.HR),),
    interview.ResendInvitation: ((AccountRole.HR, Role.HR),),
    interview.AcceptSlot: ((AccountRole.HR, Role.HR),),
    interview.ProposeSlot: ((AccountRole.HR, Role.HR),),
    interview.DeclineInterview: ((AccountRole.HR, Role.HR),),
    interview.SubmitInterview: ((AccountRole.HR, Role.HR), (AccountRole.INTERVIEWER, Role.INTERVIEWER)),
    interview.AnswerProposedTime: ((AccountRole.HR, Role.HR), (AccountRole.INTERVIEWER, Role.INTERVIEWER)),
}


class NotPermitted(Exception):
    """The signed-in person holds no role that may ask for this update."""


def roles_for(user: SignedIn, update: type[BaseModel]) -> list[Role]:
    """The roles in the case that ``user`` may take for ``update``, in order of preference."""
    return [
        role
        for account_role, role in ACTING_ROLES.get(update, ())
        if account_role is _ANYONE or account_role in user.roles
    ]


def actor_for(user: SignedIn, update: type[BaseModel]) -> Actor:
    """The signed-in person as the actor of ``update``: their email, in the first role the update allows them."""
    roles = roles_for(user, update)
    if not roles:
        raise NotPermitted(f"{user.email} holds none of the roles that may {update.__name__}")
    return Actor(email=user.email, role=roles[0], mailboxes=sorted(user.mailboxes))


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
        if field_name == "actor":
            # Optional in the body: a session names the actor instead (see acting_person).
            field.annotation = Actor | None
            field.default = None
            field.description = ACTOR_DESCRIPTION
        fields[field_name] = (field.annotation, field)
    return create_model(
        name, __config__=ConfigDict(extra="forbid"), __doc__=update.__doc__, __module__=__name__, **fields
    )


def _body_error(kind: str, loc: tuple, msg: str, value: Any = None) -> RequestValidationError:
    return RequestValidationError([{"type": kind, "loc": ("body", *loc), "msg": msg, "input": value}])


def may_act(update: type[BaseModel]):
    """Dependency: who asks for ``update`` may ask for it at all (before the body is read). The account, or None
    when nobody signed in and ``api_trust_body_actor`` lets the body name the actor."""

    async def check(request: Request) -> SignedIn | None:
        user = await current_user(request)
        if user is None:
            if not request.app.state.settings.api_trust_body_actor or getattr(request.state, "token_refused", False):
                raise unauthorized(request, "no session or valid token, and the body's actor is not trusted")
            return None
        await csrf.check(request)
        if not roles_for(user, update):
            deny(
                request,
                status.HTTP_403_FORBIDDEN,
                f"{user.email} holds none of the roles that may {update.__name__}",
                user,
            )
        return user

    return check


def acting_person(request: Request, user: SignedIn | None, given: Actor | None, update: type[BaseModel]) -> Actor:
    """Who acts: the account (``may_act`` has let it through), or, without one, whom the body names."""
    if user is not None:
        if given is None:
            return actor_for(user, update)
        if not getattr(request.state, "via_token", False):
            raise _body_error(
                "extra_forbidden",
                ("actor",),
                "leave actor out: with a session the signed-in person acts",
                given.model_dump(mode="json"),
            )
        if given.email.lower() != user.email.lower():
            raise _body_error(
                "value_error",
                ("actor", "email"),
                f"a token acts as its own account ({user.email}); leave actor out or name that account",
                given.email,
            )
        if given.role not in roles_for(user, update):
            deny(
                request,
                status.HTTP_403_FORBIDDEN,
                f"{user.email} may not {update.__name__} as {given.role.value}",
                user,
            )
        return Actor(email=user.email, role=given.role, mailboxes=sorted(user.mailboxes))
    if given is None:
        raise _body_error("missing", ("actor",), "Field required")
    if given.role == Role.SYSTEM:
        raise _body_error(
            "value_error", ("actor", "role"), "system is the workflows' own role; nobody acts as it", "system"
        )
    if given.mailboxes:
        raise _body_error(
            "extra_forbidden",
            ("actor", "mailboxes"),
            "the shared mailboxes someone works for come from their account",
            given.mailboxes,
        )
    return given


def acting(update: type[M], name: str, *, path: tuple[str, ...] = ()) -> Any:
    """Dependency: the input of ``update`` from the body (``name`` in OpenAPI) and the path parameters in ``path``.

    Checks across fields of ``update`` (say, AddTask's one due date) answer 422 like any other body error."""
    body_model = request_model(update, name, path=path)

    async def read(
        request: Request,
        body: Annotated[body_model, Body()],  # type: ignore[valid-type]
        user: Annotated[SignedIn | None, Depends(may_act(update))],
        _token: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)],
    ) -> M:
        values = {field_name: getattr(body, field_name) for field_name in body_model.model_fields}
        values.update({key: request.path_params[key] for key in path})
        values["actor"] = acting_person(request, user, body.actor, update)  # type: ignore[attr-defined]
        try:
            return update.model_validate(values)
        except ValidationError as err:
            raise invalid_body(err) from err

    return Depends(read)


async def perform(action: Awaitable[T], not_found: str | Callable[[], Awaitable[str]]) -> T:
    """Run an update; answer 404 (``not_found``, or what it answers) when there is nothing to act on, 409 with the case's reason
    when it refuses. A case that cannot be reached or does not answer in time is answered by the app's error handlers."""
    try:
        return await action
    except CaseNotFound:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, not_found if isinstance(not_found, str) else await not_found()
        ) from None
    except ActionRejected as err:
        raise Refused(err) from None
