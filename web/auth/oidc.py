"""Signing in through the organisation's OpenID Connect provider (authorization code flow with PKCE).

Only when ``oidc_issuer`` and ``oidc_client_id`` are set. The provider vouches for the email address;
the roles stay with the local account of that address, which must exist and be active: nobody gets in
just because the provider knows them. The state, nonce and PKCE verifier travel in a signed cookie that
lives ten minutes; the ID token is verified against the provider's keys (signature, issuer, audience,
expiry, nonce).

The client authenticates at the token endpoint as registered there (``oidc_token_auth_method``):
``client_secret_basic``, the default of OpenID Connect, or ``client_secret_post``. A provider may leave the
email out of the ID token and give it at the UserInfo endpoint only (OpenID Connect Core §5.4 says the
``email`` scope's claims come from there when an access token is issued); then UserInfo is asked, and its
``sub`` must be the ID token's (§5.3.2)."""

import base64
import logging
import time
from typing import Any
from urllib.parse import quote_plus

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import RedirectResponse
from itsdangerous import BadSignature, URLSafeTimedSerializer
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from accounts import store as accounts
from web.auth.cookies import secure_cookies
from web.auth.router import finish_sign_in, safe_next
from web.dependencies import SessionDep, SettingsDep
from web.i18n import N_

router = APIRouter(include_in_schema=False)
log = logging.getLogger("web.access")

COOKIE = "offboarding_oidc"
FLOW_SECONDS = 600
DISCOVERY_SECONDS = 3600


def _http(request: Request) -> httpx.AsyncClient:
    # Tests hand in a transport that reaches their own provider.
    return httpx.AsyncClient(transport=getattr(request.app.state, "oidc_transport", None), timeout=10)


async def _provider(request: Request) -> dict[str, Any]:
    """The provider's metadata and keys, read once an hour."""
    cached = getattr(request.app.state, "oidc_provider", None)
    if cached and cached["read_at"] > time.monotonic() - DISCOVERY_SECONDS:
        return cached
    issuer = request.app.state.settings.oidc_issuer.rstrip("/")
    async with _http(request) as client:
        metadata = (await client.get(f"{issuer}/.well-known/openid-configuration")).raise_for_status().json()
        keys = (await client.get(metadata["jwks_uri"])).raise_for_status().json()
    provider = {"metadata": metadata, "keys": KeySet.import_key_set(keys), "read_at": time.monotonic()}
    request.app.state.oidc_provider = provider
    return provider


def _flow(settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.signing_key(), salt="offboarding-oidc-flow")


def _cookie(settings) -> str:
    # Its path is /login/oidc, so not __Host- (which needs Path=/); __Secure- still keeps plain-http pages from setting it.
    return f"__Secure-{COOKIE}" if secure_cookies(settings) else COOKIE


def _callback_url(settings) -> str:
    return f"{settings.public_url.rstrip('/')}/login/oidc/callback"


def _refuse(request: Request, reason: str, code: int = status.HTTP_403_FORBIDDEN) -> HTTPException:
    log.warning("OIDC sign-in refused from %s: %s", request.client.host if request.client else "?", reason)
    return HTTPException(
        code, N_("Signing in through the organisation account did not work. Try again, or ask HR for an account.")
    )


@router.get("/login/oidc", name="oidc_login")
async def start(request: Request, settings: SettingsDep, next: str = ""):
    try:
        provider = await _provider(request)
    except (httpx.HTTPError, KeyError, ValueError) as err:
        raise _refuse(request, f"provider unreachable: {err}", status.HTTP_503_SERVICE_UNAVAILABLE) from err
    state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
    query = httpx.QueryParams(
        response_type="code",
        client_id=settings.oidc_client_id,
        redirect_uri=_callback_url(settings),
        scope="openid email profile",
        state=state,
        nonce=nonce,
        code_challenge=create_s256_code_challenge(verifier),
        code_challenge_method="S256",
    )
    response = RedirectResponse(
        f"{provider['metadata']['authorization_endpoint']}?{query}", status_code=status.HTTP_303_SEE_OTHER
    )
    flow = _flow(settings).dumps({"state": state, "nonce": nonce, "verifier": verifier, "next": safe_next(next)})
    response.set_cookie(
        _cookie(settings),
        flow,
        max_age=FLOW_SECONDS,
        path="/login/oidc",
        httponly=True,
        samesite="lax",
        secure=secure_cookies(settings),
    )
    return response


@router.get("/login/oidc/callback", name="oidc_callback")
async def callback(
    request: Request, session: SessionDep, settings: SettingsDep, code: str = "", state: str = "", error: str = ""
):
    try:
        flow = _flow(settings).loads(request.cookies.get(_cookie(settings), ""), max_age=FLOW_SECONDS)
    except BadSignature:
        raise _refuse(request, "no valid flow cookie (expired, or not started here)") from None
    if error or not code or state != flow["state"]:
        raise _refuse(request, f"state mismatch or provider error {error!r}")
    provider = await _provider(request)
    try:
        async with _http(request) as client:
            tokens = await _redeem(client, provider["metadata"], settings, code, flow["verifier"])
            claims = jwt.decode(tokens["id_token"], provider["keys"]).claims
            jwt.JWTClaimsRegistry(
                iss={"essential": True, "value": provider["metadata"].get("issuer", settings.oidc_issuer)},
                aud={"essential": True, "value": settings.oidc_client_id},
                exp={"essential": True},
                sub={"essential": True},
                nonce={"essential": True, "value": flow["nonce"]},
            ).validate(claims)
            if not claims.get("email"):
                claims = {**claims, **await _userinfo(client, provider["metadata"], tokens, claims["sub"])}
    except (httpx.HTTPError, KeyError, ValueError, TypeError, JoseError) as err:
        raise _refuse(request, f"token not accepted: {err}") from err
    email = str(claims.get("email") or "")
    if not email or claims.get("email_verified") is False:
        raise _refuse(request, "the provider gave no verified email address")
    account = await accounts.by_email(session, email)
    if account is None or not account.active:
        raise _refuse(request, f"no active account for {email}")
    response = await finish_sign_in(request, session, settings, account, flow["next"])
    response.delete_cookie(
        _cookie(settings), path="/login/oidc", httponly=True, samesite="lax", secure=secure_cookies(settings)
    )
    return response


async def _redeem(
    client: httpx.AsyncClient, metadata: dict[str, Any], settings, code: str, verifier: str
) -> dict[str, Any]:
    """The code for tokens at the token endpoint, the client authenticated as registered."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": _callback_url(settings),
        "code_verifier": verifier,
    }
    headers = {"Accept": "application/json"}
    if settings.oidc_token_auth_method == "client_secret_post":
        form |= {"client_id": settings.oidc_client_id, "client_secret": settings.oidc_client_secret}
    else:
        headers["Authorization"] = _basic_credentials(settings.oidc_client_id, settings.oidc_client_secret)
    answer = await client.post(metadata["token_endpoint"], data=form, headers=headers)
    if answer.is_error:
        raise ValueError(f"the token endpoint answered {answer.status_code}: {answer.text[:300]}")
    tokens = answer.json()
    if not isinstance(tokens, dict) or not isinstance(tokens.get("id_token"), str):
        raise ValueError("the token endpoint gave no ID token")
    return tokens


def _basic_credentials(client_id: str, secret: str) -> str:
    """HTTP Basic as RFC 6749 §2.3.1 has it: id and secret each form-urlencoded first (a secret may hold ':' or '%')."""
    pair = f"{quote_plus(client_id)}:{quote_plus(secret)}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


async def _userinfo(
    client: httpx.AsyncClient, metadata: dict[str, Any], tokens: dict[str, Any], subject: str
) -> dict[str, Any]:
    """The claims of the UserInfo endpoint, for the person the ID token names and no one else."""
    endpoint, access_token = metadata.get("userinfo_endpoint"), tokens.get("access_token")
    if not endpoint or not access_token:
        raise ValueError(
            "the ID token has no email, and the provider offers no UserInfo endpoint or access token to ask"
        )
    answer = await client.get(
        endpoint, headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
    )
    if answer.is_error:
        raise ValueError(f"UserInfo answered {answer.status_code}")
    info = answer.json()
    if not isinstance(info, dict) or info.get("sub") != subject:
        raise ValueError("UserInfo speaks of another subject than the ID token")
    return {name: info[name] for name in ("email", "email_verified") if name in info}
