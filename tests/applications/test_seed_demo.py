import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from accounts.roles import Role
from policies.models import PolicyRound


@pytest.fixture
def loaded(db):
    call_command("loadpolicy", verbosity=0)


def test_demo_accounts_are_refused_outside_demo_mode(loaded, settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError) as exc:
        call_command("seed_demo")
    assert exc.value.returncode == 2
    assert not User.objects.filter(username__startswith="demo-").exists()


def test_demo_mode_creates_one_account_per_role_and_an_open_demo_round(
    loaded, settings, time_machine, capsys
):
    settings.DEMO_MODE = True
    time_machine.move_to("2027-06-01 10:00 +08:00")
    call_command("seed_demo")
    call_command("seed_demo")  # twice changes nothing
    out = capsys.readouterr().out
    for role in Role:
        assert User.objects.filter(groups__name=role.value, username__startswith="demo-").count() == 1
        assert role.value in out
    demo = PolicyRound.objects.get(code="changning-ai-demo")
    assert demo.is_demo
    assert demo.status == PolicyRound.Status.PUBLISHED
    assert demo.is_valid_on(__import__("datetime").date(2027, 6, 1))
    assert demo.items.count() == 23
    assert "演示" in demo.title
    # The demo enterprise is verified by 区科委 (issue 14), so it can apply at once.
    demo_enterprise = User.objects.get(username="demo-applicant").organizations.get()
    assert demo_enterprise.identity_verified


def test_the_demo_has_an_open_call_after_the_real_round_ends(loaded, settings, time_machine):
    from applications.selectors import open_call_items

    settings.DEMO_MODE = True
    time_machine.move_to("2027-06-01 10:00 +08:00")
    call_command("seed_demo")
    open_items = open_call_items()
    assert open_items.count() == 23
    assert {ci.call.round.code for ci in open_items} == {"changning-ai-demo"}
    rent = open_items.get(item__code="6.1a")
    assert rent.rate is not None  # "一定": the demo call sets the figure


def test_demo_staff_log_in_with_the_code_make_otp_prints(loaded, settings, client, capsys):
    settings.DEMO_MODE = True
    call_command("seed_demo")
    capsys.readouterr()
    call_command("demo_totp", "demo-intake")
    code = capsys.readouterr().out.strip()
    assert len(code) == 6 and code.isdigit()
    response = client.post(
        "/accounts/login/", {"username": "demo-intake", "password": "Demo-Changning-2026"}, follow=True
    )
    assert response.redirect_chain[-1][0].startswith("/accounts/2fa/verify/")
    response = client.post(response.redirect_chain[-1][0], {"code": code})
    assert response.status_code == 302
    assert client.get("/review/intake/").status_code == 200


@pytest.mark.parametrize("username", ["demo-nobody", "alice"])
def test_demo_codes_only_for_demo_accounts(loaded, settings, username):
    settings.DEMO_MODE = True
    call_command("seed_demo")
    with pytest.raises(CommandError) as exc:
        call_command("demo_totp", username)
    assert exc.value.returncode == 2


def test_demo_codes_are_refused_outside_demo_mode(loaded, settings):
    settings.DEMO_MODE = True
    call_command("seed_demo")
    settings.DEMO_MODE = False
    with pytest.raises(CommandError) as exc:
        call_command("demo_totp", "demo-intake")
    assert exc.value.returncode == 2
