"""Keeps Installment.organization_name (the due list's sort key) equal to the organisation's name."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.models import Organization

from .models import Installment


@receiver(post_save, sender=Organization, dispatch_uid="disbursement.installment_organization_name")
def organization_renamed(sender, instance: Organization, created=False, update_fields=None, **kwargs) -> None:
    # The administrator may rename the organisation (accounts.services.update_organization); without this
    # its due installments would sort under the old name. One UPDATE, of the rows whose copy differs; none
    # for a new organisation (it has no installments) or a save that leaves the name alone.
    if created or (update_fields is not None and "name" not in update_fields):
        return
    Installment.objects.filter(award__organization=instance).exclude(organization_name=instance.name).update(
        organization_name=instance.name
    )
