"""The readable names of what an audit record stores as codes: roles (group names) and object types
(app_label.model). The records keep the codes — they are hashed into the chain and must not change
with a translation — and the pages show the names.

Audit is the lowest app, so the role labels are given to it by the app that owns them (accounts'
AppConfig.ready calls register_roles) rather than imported from above.
"""

from __future__ import annotations

from django.apps import apps
from django.utils.translation import gettext_lazy as _

_ROLE_LABELS: dict[str, object] = {}


def register_roles(choices) -> None:
    _ROLE_LABELS.update(dict(choices))


def role_names(codes: str) -> str:
    """'commission_approver,expert_reviewer' → '审定人员(区科委)、评审专家'; unknown codes stay."""
    names = [str(_ROLE_LABELS.get(code, code)) for code in (codes or "").split(",") if code]
    return str(_("、")).join(names)


def object_type_name(label: str) -> str:
    """'applications.application' → '申报'; a type that is not a model (or no longer one) stays as it is."""
    if not label or "." not in label:
        return label or ""
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label
