"""The privacy API is for accounts only: unlike the older case API, never open to a caller without a session or token."""

import logging

from fastapi import HTTPException, Request, status

from models.accounts import AccountRole, SignedIn
from web.auth import csrf
from web.auth.guard import UNSAFE_METHODS, current_user, deny

log = logging.getLogger("web.access")


def account_with(*roles: AccountRole):
    async def dependency(request: Request) -> SignedIn:
        user = await current_user(request)
        if user is None:
            log.warning("denied %s %s to anonymous: needs an account", request.method, request.url.path)
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "Sign in first, or send an API token.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if not user.has(*roles):
            deny(request, status.HTTP_403_FORBIDDEN, f"needs one of the roles {', '.join(roles)}", user)
        if request.method in UNSAFE_METHODS:
            await csrf.check(request)
        return user

    return dependency
