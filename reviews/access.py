"""Who on the commission's side may do what: one helper per kind of check, used by views and services."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from accounts.roles import Role
from changning_ai.groups import group_names


def has_any_role(user, *roles: Role) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    names = {role.value for role in roles}
    return bool(names & group_names(user))  # one query per request at most


def require_role(user, *roles: Role) -> None:
    """PermissionDenied (403) unless the user holds one of the roles."""
    if not has_any_role(user, *roles):
        raise PermissionDenied(_("您没有执行此操作的权限。"))


def role_required(*roles: Role) -> Callable:
    """View decorator: anonymous → log in; logged in without the role → 403."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            require_role(request.user, *roles)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def require_not_involved(user, application_ids) -> None:
    """Nobody approves money for an application they decided or reviewed (issue 14: 区科委's and 区财政局's
    duties kept apart even for an account that once held both). PermissionDenied naming the first one."""
    from .models import Assignment, Decision

    ids = [pk for pk in application_ids if pk is not None]
    if not ids:
        return
    decided = Decision.objects.filter(application_id__in=ids, approver=user)
    reviewed = Assignment.objects.filter(application_id__in=ids, reviewer=user).exclude(
        status=Assignment.Status.CONFLICTED  # withdrew before seeing it: no part in the outcome
    )
    involved = decided.values_list("application__number", flat=True).union(
        reviewed.values_list("application__number", flat=True)
    )
    number = next(iter(involved[:1]), None)
    if number is not None:
        raise PermissionDenied(
            _("您参与了申报 %(number)s 的审定或评审,不能审核其资金:须由未参与的审核人员办理。")
            % {"number": number}
        )
