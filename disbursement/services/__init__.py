"""Finance state changes, one module per area; import the verbs from here."""

# isort: split
# Budgets, awards, conditions and clawbacks (helper A's block).
from .awards import approve_award as approve_award
from .awards import create_award as create_award
from .awards import record_acceptance as record_acceptance
from .awards import record_clawback as record_clawback
from .awards import record_recovery as record_recovery
from .awards import release_due_installments as release_due_installments
from .budgets import confirm_budget as confirm_budget
from .budgets import enter_budget as enter_budget
from .claims import accept_claim as accept_claim
from .claims import refuse_claim as refuse_claim
from .claims import return_claim as return_claim
from .claims import submit_claim as submit_claim

# isort: split
# 一企一策 support agreements outside any item (issue 11, Art. 10(3)).
from .agreements import decide_agreement as decide_agreement
from .agreements import propose_agreement as propose_agreement

# isort: split
# Bank details, payment batches and payments (helper B's block; re-exported with "as", so it stands alone).
from .bank import set_bank_account as set_bank_account
from .payments import approve_batch as approve_batch
from .payments import create_batch as create_batch
from .payments import record_failure as record_failure
from .payments import record_payment as record_payment
from .payments import return_batch as return_batch
from .payments import submit_batch as submit_batch
from .payments import withdraw_batch as withdraw_batch
