# Issue 12 (bank-ready payment file): 开户行联行号 on the receiving account (and frozen on each payment
# record), and every account number already stored brought to the one form the service now stores
# (ASCII digits, no spaces or dashes): before, "６２１４ ８３２１…" reached the bank file as typed.


import re
import unicodedata

from django.db import migrations, models

# A copy of services.bank.normalize_digits as it stands today: a migration must not change when the
# service later does.
SEPARATORS_RE = re.compile(r"[\s\-\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")


def normalize_digits(value):
    return SEPARATORS_RE.sub("", unicodedata.normalize("NFKC", value or ""))


def normalise_account_numbers(apps, schema_editor):
    """Rewrite each stored account number in its normalised form. A row is only changed when the
    normalised number is valid (8–32 ASCII digits): anything else stays as it was, for the organisation's
    administrator to correct, and the bank file refuses it meanwhile. Returns the number of rows changed."""
    BankAccount = apps.get_model("disbursement", "BankAccount")
    changed = 0
    for account in BankAccount.objects.only("pk", "account_number").iterator():
        number = normalize_digits(account.account_number)
        if number != account.account_number and number.isascii() and number.isdigit() and 8 <= len(number) <= 32:
            # update(), not save(): one column, and no model code runs inside a migration.
            BankAccount.objects.filter(pk=account.pk).update(account_number=number)
            changed += 1
    return changed


class Migration(migrations.Migration):
    dependencies = [
        ("disbursement", "0005_support_agreements"),
    ]

    operations = [
        migrations.AddField(
            model_name="bankaccount",
            name="bank_code",
            field=models.CharField(blank=True, max_length=12, verbose_name="开户行联行号"),
        ),
        migrations.AddField(
            model_name="paymentrecord",
            name="bank_code",
            field=models.CharField(blank=True, max_length=12),
        ),
        migrations.RunPython(normalise_account_numbers, migrations.RunPython.noop),
    ]
