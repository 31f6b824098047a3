from django.contrib.auth.views import LoginView

from .landing import landing_url


class RoleAwareLoginView(LoginView):
    """Django's login; without a `next`, each role lands where its work is."""

    def get_default_redirect_url(self):
        return landing_url(self.request.user)
