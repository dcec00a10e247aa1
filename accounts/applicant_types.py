"""The applicant types and flags of the rulings of 2026-12-02 (who may apply, by item).

A module of its own, without models, so that the rules engine (policies.rules, which must stay free of the
ORM) can read the same choices the organisation's record offers.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgType(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    PUBLIC_INSTITUTION = "public_institution", _("事业单位")
    SOCIAL_ORG = "social_org", _("社会组织")
    PRIVATE_NON_ENTERPRISE = "private_non_enterprise", _("民办非企业单位")


class OrgFlag(models.TextChoices):
    SME = "sme", _("中小型(工信部划型标准)")
    TECH_SME = "tech_sme", _("科技型中小企业")
    INCUBATOR = "incubator", _("科技企业孵化器")
    HQ_INCUBATOR = "hq_incubator", _("高质量(培育)孵化器")
    SCIENCE_PARK = "science_park", _("大学科技园")
    NEW_RND_INSTITUTION = "new_rnd_institution", _("新型研发机构")
