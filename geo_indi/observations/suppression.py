"""Who sees which number: the viewer of a request, the threshold k, and how a hidden count looks.

Declared once here (docs/architecture.md, "declared once: who sees which number"):

- `threshold()` is the one place k is read (settings.SUPPRESSION_K); a viewer carries it as `viewer.k`.
- `Viewer` is who is asking: the user, their organisation, the municipalities where they see exact
  counts (administrators: everywhere), whether they see internal phenomena, and k. Exact numbers are
  shown only inside `viewer.scope`; everything else comes from the published tables.
- `viewer_of(request)` builds a request's viewer once (ViewerMiddleware puts it on `request.viewer`), and
  `Viewer.of(user_or_viewer)` lets a service take either, so a view passes its one viewer down.
- `viewer.memo(key, make)` keeps what a request reads once (the decoded published release) for the
  request's life; the suppression of cells itself lives in geo_indi.publication.
"""
from __future__ import annotations

from typing import Any, Callable, TypeVar

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from geo_indi.accounts import roles

EVERYWHERE = "everywhere"
# What a hidden count looks like: the same for 0, for 1..k-1 and for a count hidden
# to protect another one, so the label itself says nothing (Statistics Finland's "..").
HIDDEN = ".."

T = TypeVar("T")
Scope = str | set[int]


def threshold() -> int:
    """k: the fewest persons a published cell may count. The only reader of settings.SUPPRESSION_K."""
    return int(settings.SUPPRESSION_K)


def exact_municipalities(user: Any) -> Scope:
    """EVERYWHERE, or the set of municipality ids where this user sees exact counts."""
    if roles.is_administrator(user):
        return EVERYWHERE
    return roles.municipality_ids_of(user)


def sees_exact(user_scope: Scope, municipality_id: int) -> bool:
    return user_scope == EVERYWHERE or municipality_id in user_scope


def hidden_note(k: int | None = None) -> str:
    """The one line that explains the hidden mark, wherever it appears (pages, legends, reports)."""
    return _("“%(hidden)s”: not shown: fewer than %(k)s people, or hidden so that such a number cannot be "
             "worked out.") % {"hidden": HIDDEN, "k": threshold() if k is None else k}


def words(request: Any) -> dict[str, Any]:
    """Context processor: `hidden_note` for the request's viewer's k, made only when a page shows it."""
    def note() -> str:
        viewer = getattr(request, "viewer", None)
        return hidden_note(viewer.k if viewer is not None else None)

    return {"hidden_note": lazy(note, str)()}


def label(value: int | None, k: int | None = None) -> str:
    """What a person sees: the number, or the hidden mark."""
    return HIDDEN if value is None else str(value)


class Viewer:
    """Who is asking, decided once: user, organisation, exact municipalities, internal phenomena, k."""

    def __init__(self, user: Any, k: int | None = None) -> None:
        from .querysets import sees_internal_phenomena

        self.user = user if user is not None else AnonymousUser()
        self.organisation = roles.organisation_of(self.user)
        self.scope: Scope = exact_municipalities(self.user)
        self.members_only: bool = sees_internal_phenomena(self.user)
        self.k: int = threshold() if k is None else k
        self._memo: dict[Any, Any] = {}

    @classmethod
    def of(cls, who: Any) -> Viewer:
        """The viewer itself, or a new one for a user (None: anonymous)."""
        if isinstance(who, _LazyViewer):
            return who.resolve()
        return who if isinstance(who, Viewer) else cls(who)

    def exact(self, municipality_id: int) -> bool:
        """Does this viewer see exact counts in the municipality?"""
        return sees_exact(self.scope, municipality_id)

    def sees_exact(self, municipality: Any) -> bool:
        """`exact` for a municipality object."""
        return self.exact(municipality.pk)

    @property
    def exact_everywhere(self) -> bool:
        return self.scope == EVERYWHERE

    @property
    def member(self) -> bool:
        """Sees exact counts somewhere."""
        return bool(self.scope)

    def memo(self, key: Any, make: Callable[[], T]) -> T:
        """`make()` once per viewer (that is, per request) for `key`."""
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    def __repr__(self) -> str:
        return f"Viewer(user={getattr(self.user, 'pk', None)!r}, scope={self.scope!r}, k={self.k})"


def viewer_of(request: Any) -> Viewer:
    """The request's viewer, built once (again only if authentication changed the user, as DRF's does)."""
    user = getattr(request, "user", None)
    viewer = getattr(request, "_geo_indi_viewer", None)
    if viewer is None or viewer.user is not user:
        viewer = Viewer(user)
        request._geo_indi_viewer = viewer
    return viewer


class ViewerMiddleware:
    """Gives every request `request.viewer` (after AuthenticationMiddleware)."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        request.viewer = _LazyViewer(request)
        return self.get_response(request)


class _LazyViewer:
    """Stands for the request's viewer until an attribute is read (authentication may come later)."""

    __slots__ = ("_request",)

    def __init__(self, request: Any) -> None:
        self._request = request

    def __getattr__(self, name: str) -> Any:
        return getattr(viewer_of(self._request), name)

    def resolve(self) -> Viewer:
        return viewer_of(self._request)
