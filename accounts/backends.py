"""Log in with an email address, a mobile number or (for staff accounts made in the admin) a username."""

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from .models import User
from .selectors import user_for_identifier


class IdentifierBackend(ModelBackend):
    """ModelBackend with a wider lookup; permissions and the refusal of inactive users are inherited."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: object,
    ) -> User | None:
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)  # type: ignore[assignment]
        if not username or password is None:
            return None
        user = user_for_identifier(str(username))
        if user is None:
            # Hash anyway, as ModelBackend does, so response time does not tell which logins exist.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
