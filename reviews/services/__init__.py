"""The commission's state changes, one module per stage; import the verbs from here."""

# Decision, 一事一议, 公示 and objections (re-exported with "as", so each stage's block stands alone).
from .decisions import confirm_override as confirm_override
from .decisions import confirm_quorum_exception as confirm_quorum_exception
from .decisions import propose_override as propose_override
from .decisions import propose_quorum_exception as propose_quorum_exception
from .decisions import record_decision as record_decision
from .notices import close_due_notices as close_due_notices
from .notices import close_notice as close_notice
from .notices import decide_objection as decide_objection
from .notices import lodge_objection as lodge_objection
from .notices import publish_notice as publish_notice

# isort: split
# Intake, assignment and scoring (re-exported with "as", so each stage's block stands alone).
from .assignment import Declaration as Declaration
from .assignment import assign_reviewers as assign_reviewers
from .assignment import auto_assign_reviewers as auto_assign_reviewers
from .assignment import declare_interest as declare_interest
from .intake import MaterialFinding as MaterialFinding
from .intake import accept_application as accept_application
from .intake import decline_application as decline_application
from .intake import return_application as return_application
from .intake import verify_organization_type as verify_organization_type
from .scoring import ScoreSheet as ScoreSheet
from .scoring import save_scores as save_scores
