"""Log-in that does not care how a phone capitalised the username."""
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from . import roles


class CaseInsensitiveModelBackend(ModelBackend):
    """ModelBackend with usernames matched case-insensitively ("Kenttatyo" is "kenttatyo").

    If two accounts differ only by case, only the exact spelling logs in.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        User = get_user_model()
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        username = username.strip()
        matches = list(User._default_manager.filter(**{f"{User.USERNAME_FIELD}__iexact": username})[:2])
        if len(matches) > 1:
            matches = [u for u in matches if u.get_username() == username]
        if len(matches) != 1:
            User().set_password(password)  # same work as a real check, so timing does not tell which names exist
            return None
        user = matches[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        """The session's user with their membership and organisation in the same query (roles.py reads them)."""
        User = get_user_model()
        user = User._default_manager.select_related(*roles.MEMBERSHIP_RELATED).filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
