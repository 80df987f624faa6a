"""Cognito, behind a small interface that speaks domain errors instead of botocore's.

Passwords go straight from the request to Cognito and never reach a log line or the table.
The app client has a secret (docs/decisions/0004): every call made with the client id carries
SECRET_HASH, so only code that holds the secret (the auth functions) can sign up, confirm or
log in, and nobody can go around the API's rules by calling Cognito directly.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from byline import aws
from byline.errors import (
    BadRequest,
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    ServiceUnavailable,
)
from byline.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

ROLE_GROUPS = ("reader", "author", "editor", "admin")


class InvalidCredentials(Exception):
    """Wrong password or unknown user: deliberately indistinguishable."""


@dataclass(frozen=True)
class IssuedTokens:
    id_token: str
    access_token: str
    refresh_token: str | None
    expires_in: int


def _code(error: Exception) -> str:
    response: dict[str, Any] = getattr(error, "response", {}) or {}
    return str(response.get("Error", {}).get("Code", ""))


def _message(error: Exception) -> str:
    response: dict[str, Any] = getattr(error, "response", {}) or {}
    return str(response.get("Error", {}).get("Message", "")).strip()


def secret_hash(secret: str, client_id: str, username: str) -> str:
    """Cognito's SECRET_HASH: base64(HMAC-SHA256(client secret, username + client id))."""
    digest = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class AlreadyConfirmed(Exception):
    """Cognito says the user is confirmed already (an earlier attempt got that far)."""


_UNAVAILABLE = {"TooManyRequestsException", "InternalErrorException", "LimitExceededException"}


class CognitoIdentity:
    def __init__(
        self,
        client: CognitoIdentityProviderClient,
        pool_id: str,
        client_id: str,
        client_secret: str | None = None,
    ) -> None:
        """``client_secret`` None: read it from Cognito (DescribeUserPoolClient) the first time
        a call needs it, once per cold start, so it is in no environment variable."""
        self._client = client
        self.pool_id = pool_id
        self.client_id = client_id
        self._client_secret = client_secret

    def _secret(self) -> str:
        if self._client_secret is None:
            described = self._call(
                "describe_user_pool_client", UserPoolId=self.pool_id, ClientId=self.client_id
            )
            self._client_secret = str(described["UserPoolClient"].get("ClientSecret") or "")
        return self._client_secret

    def _hash(self, username: str) -> str | None:
        """SECRET_HASH for a call about ``username``; None for a client without a secret."""
        secret = self._secret()
        return secret_hash(secret, self.client_id, username) if secret else None

    def _with_hash(self, username: str) -> dict[str, str]:
        hashed = self._hash(username)
        return {"SecretHash": hashed} if hashed else {}

    def _auth_parameters(self, username: str, **parameters: str) -> dict[str, str]:
        hashed = self._hash(username)
        return {**parameters, "SECRET_HASH": hashed} if hashed else parameters

    def _translate(self, error: Exception) -> DomainError | None:
        code = _code(error)
        if code in _UNAVAILABLE:
            return ServiceUnavailable("The identity service is busy; retry shortly.")
        return None

    def _call(self, operation: str, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self._client, operation)(**kwargs)
        except ClientError as error:
            translated = self._translate(error)
            if translated is not None:
                raise translated from error
            raise
        except BotoCoreError as error:
            raise ServiceUnavailable("The identity service could not be reached.") from error

    def sign_up(self, username: str, email: str, password: str, password_rules: str) -> str | None:
        """Create the unconfirmed user; return where the confirmation code was sent."""
        from botocore.exceptions import ClientError

        try:
            response = self._call(
                "sign_up",
                ClientId=self.client_id,
                Username=username,
                Password=password,
                UserAttributes=[{"Name": "email", "Value": email}],
                **self._with_hash(username),
            )
        except ClientError as error:
            code = _code(error)
            if code == "UsernameExistsException":
                raise Conflict("That username is taken.") from error
            if code == "InvalidPasswordException":
                said = _message(error)
                detail = f"The password does not meet the policy: {password_rules}."
                raise BadRequest(f"{detail} ({said})" if said else detail) from error
            if code == "InvalidParameterException":
                raise BadRequest(_message(error) or "Cognito refused the sign-up.") from error
            raise
        details = response.get("CodeDeliveryDetails") or {}
        destination = details.get("Destination")
        return str(destination) if destination else None

    def create_confirmed(self, username: str, email: str, password: str) -> bool:
        """Create a confirmed user without emailing anyone (seeding, operators); False if it
        already existed."""
        from botocore.exceptions import ClientError

        try:
            self._call(
                "admin_create_user",
                UserPoolId=self.pool_id,
                Username=username,
                MessageAction="SUPPRESS",
                UserAttributes=[
                    {"Name": "email", "Value": email},
                    {"Name": "email_verified", "Value": "true"},
                ],
            )
        except ClientError as error:
            if _code(error) == "UsernameExistsException":
                return False
            raise
        self._call(
            "admin_set_user_password",
            UserPoolId=self.pool_id,
            Username=username,
            Password=password,
            Permanent=True,
        )
        return True

    def confirm(self, username: str, code: str) -> None:
        """Confirm the sign-up; AlreadyConfirmed when Cognito had confirmed it before."""
        from botocore.exceptions import ClientError

        try:
            self._call(
                "confirm_sign_up",
                ClientId=self.client_id,
                Username=username,
                ConfirmationCode=code,
                **self._with_hash(username),
            )
        except ClientError as error:
            if _code(error) == "NotAuthorizedException" and "CONFIRMED" in _message(error).upper():
                # "User cannot be confirmed. Current status is CONFIRMED"
                raise AlreadyConfirmed(username) from error
            if _code(error) in {
                "CodeMismatchException",
                "ExpiredCodeException",
                "UserNotFoundException",
                "NotAuthorizedException",
            }:
                raise BadRequest("The confirmation code is wrong or has expired.") from error
            raise

    def add_to_group(self, username: str, group: str) -> None:
        self._call(
            "admin_add_user_to_group", UserPoolId=self.pool_id, Username=username, GroupName=group
        )

    def remove_from_group(self, username: str, group: str) -> None:
        self._call(
            "admin_remove_user_from_group",
            UserPoolId=self.pool_id,
            Username=username,
            GroupName=group,
        )

    def groups_of(self, username: str) -> list[str]:
        """The user's groups; none for a user Cognito does not know (deleted already)."""
        from botocore.exceptions import ClientError

        try:
            response = self._call(
                "admin_list_groups_for_user", UserPoolId=self.pool_id, Username=username, Limit=60
            )
        except ClientError as error:
            if _code(error) == "UserNotFoundException":
                return []
            raise
        return [str(g["GroupName"]) for g in response.get("Groups", [])]

    def members_of(self, group: str) -> list[str]:
        members: list[str] = []
        kwargs: dict[str, Any] = {"UserPoolId": self.pool_id, "GroupName": group, "Limit": 60}
        while True:
            response = self._call("list_users_in_group", **kwargs)
            members.extend(str(u["Username"]) for u in response.get("Users", []))
            token = response.get("NextToken")
            if not token:
                return members
            kwargs["NextToken"] = token

    def authenticate(self, username: str, password: str) -> IssuedTokens:
        from botocore.exceptions import ClientError

        try:
            response = self._call(
                "initiate_auth",
                ClientId=self.client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters=self._auth_parameters(
                    username, USERNAME=username, PASSWORD=password
                ),
            )
        except ClientError as error:
            code = _code(error)
            if code in {"NotAuthorizedException", "UserNotFoundException"}:
                raise InvalidCredentials from error
            if code == "UserNotConfirmedException":
                raise Forbidden("Confirm your email address before logging in.") from error
            if code == "PasswordResetRequiredException":
                raise Forbidden("Reset your password before logging in.") from error
            raise
        return self._tokens(response)

    def refresh(self, username: str, refresh_token: str) -> IssuedTokens:
        """New tokens for ``username``'s refresh token; the user name is needed because a
        client with a secret signs every call with SECRET_HASH, and the hash names the user."""
        from botocore.exceptions import ClientError

        try:
            response = self._call(
                "initiate_auth",
                ClientId=self.client_id,
                AuthFlow="REFRESH_TOKEN_AUTH",
                AuthParameters=self._auth_parameters(username, REFRESH_TOKEN=refresh_token),
            )
        except ClientError as error:
            if _code(error) in {"NotAuthorizedException", "UserNotFoundException"}:
                raise InvalidCredentials from error
            raise
        return self._tokens(response)

    def sign_out_everywhere(self, username: str) -> None:
        from botocore.exceptions import ClientError

        try:
            self._call("admin_user_global_sign_out", UserPoolId=self.pool_id, Username=username)
        except ClientError as error:
            if _code(error) != "UserNotFoundException":
                raise

    def delete_user(self, username: str) -> bool:
        """Delete the user; False when there was no such user (deletion is idempotent)."""
        from botocore.exceptions import ClientError

        try:
            self._call("admin_delete_user", UserPoolId=self.pool_id, Username=username)
        except ClientError as error:
            if _code(error) == "UserNotFoundException":
                return False
            raise
        return True

    def sub_of(self, username: str) -> str:
        """The Cognito user's immutable id (the ``sub`` of its tokens); NotFound if none."""
        from botocore.exceptions import ClientError

        try:
            user = self._call("admin_get_user", UserPoolId=self.pool_id, Username=username)
        except ClientError as error:
            if _code(error) == "UserNotFoundException":
                raise NotFound("No such user.") from error
            raise
        for attribute in user.get("UserAttributes", []):
            if attribute.get("Name") == "sub":
                return str(attribute["Value"])
        raise NotFound("The user has no sub.")

    @staticmethod
    def _tokens(response: dict[str, Any]) -> IssuedTokens:
        result = response.get("AuthenticationResult")
        if not result:
            raise ServiceUnavailable(
                "The identity service asked for a challenge we do not support."
            )
        return IssuedTokens(
            id_token=str(result["IdToken"]),
            access_token=str(result["AccessToken"]),
            refresh_token=result.get("RefreshToken"),
            expires_in=int(result.get("ExpiresIn", 3600)),
        )


@cache
def identity() -> CognitoIdentity:
    settings = get_settings()
    return CognitoIdentity(aws.cognito(), settings.user_pool_id, settings.user_pool_client_id)
