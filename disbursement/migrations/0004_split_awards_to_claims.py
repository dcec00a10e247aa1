"""Existing awards of yearly items (6.1b, 6.1c: 连续补贴三年) from the old schedule — one recognised amount
split into three installments, years 2 and 3 waiting for the office confirmation — into the yearly claims
of the ruling of 2026-12-02.

For each such award without claims yet:
- a paid (or batched: on its way to the bank) installment stays: its year's claim is accepted with that
  amount, so what the enterprise received is kept on the record;
- an unpaid installment is cancelled (its commitment goes back to the budget of its year) and its year's
  claim is left open, to be claimed on that year's rent — unless a LATER year was already paid: the old
  flow then had confirmed the year, so it is kept and accepted as it stands (the edge case of a later year
  paid without year 1: nothing the enterprise was told it would get is taken away by a migration);
- the award's amount becomes what is granted so far (the kept installments); a clawed-back award's open
  years lapse.
`convert(apps)` is the whole conversion, tested in tests/disbursement/test_claims_migration.py.
"""

from django.db import migrations
from django.db.models import F

PAID, BATCHED, CANCELLED = "paid", "batched", "cancelled"
NOTE = "由原分期拨付方式转换(2026-12-02 裁定:连续补贴按年度兑现)"


def convert(apps) -> int:
    Award = apps.get_model("disbursement", "Award")
    Budget = apps.get_model("disbursement", "Budget")
    YearlyClaim = apps.get_model("disbursement", "YearlyClaim")
    converted = 0
    awards = (
        Award.objects.filter(item__subsidy_years__gt=1, claims__isnull=True)
        .select_related("item", "application__call_item__call")
        .order_by("pk")
        .distinct()
    )
    for award in awards:
        first_year = award.application.call_item.call.year
        years = award.item.subsidy_years
        installments = list(award.installments.order_by("number"))
        live = [i for i in installments if i.status != CANCELLED]
        # The old schedule put installment n in the call's year + n − 1: that is the year it subsidised.
        by_year = {min(max(i.year - first_year + 1, 1), years): i for i in live}
        paid_years = [n for n, i in by_year.items() if i.status in (PAID, BATCHED)]
        last_paid = max(paid_years, default=0)
        granted = 0
        for n in range(1, years + 1):
            claim = YearlyClaim(award=award, year=n, rent_year=first_year + n - 1, status="open")
            installment = by_year.get(n)
            keep = installment is not None and (installment.status in (PAID, BATCHED) or n < last_paid)
            if keep:
                claim.status = "accepted"
                claim.amount_fen = installment.amount_fen
                claim.installment = installment
                claim.decision_note = NOTE
                claim.office_confirmed = installment.condition_met_at is not None or n == 1
                claim.decided_at = installment.condition_met_at or award.approved_at
                granted += installment.amount_fen
                if installment.condition == "office":
                    installment.condition = "none"
                    installment.save(update_fields=["condition"])
            elif award.status == "clawed_back" or n < last_paid:
                claim.status = "lapsed"
                claim.decision_note = NOTE
            claim.save()
        kept_ids = {c.installment_id for c in YearlyClaim.objects.filter(award=award, installment__isnull=False)}
        for installment in live:
            if installment.pk in kept_ids:
                continue
            if award.status in ("approved", "closed") and installment.status in ("due", "scheduled", "waiting"):
                # What the approval committed for it goes back to the budgets of its year.
                Budget.objects.filter(
                    year=installment.year, item_code__in=[award.item.code, ""], committed_fen__gte=installment.amount_fen
                ).update(committed_fen=F("committed_fen") - installment.amount_fen)
            installment.status = CANCELLED
            installment.save(update_fields=["status"])
        award.amount_fen = granted
        fields = ["amount_fen"]
        if award.status == "closed" and YearlyClaim.objects.filter(award=award, status="open").exists():
            award.status = "approved"  # a year is still to be claimed
            fields.append("status")
        award.save(update_fields=fields)
        converted += 1
    return converted


def forwards(apps, schema_editor):
    convert(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("disbursement", "0003_yearly_claims"),
        ("policies", "0003_rulings_2026_12_02"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
