"""What every form of the portal shares, below all apps (DESIGN: the field-error template has one place)."""

from django import forms


def describe_field(form: forms.BaseForm, name: str) -> None:
    """The input names its message and its help text by the ids accounts/_field.html gives them
    (<input id>_error, <input id>_helptext; Django's own names), so a message filled in later by a script
    is read out with the field too. The one place every form does this (issue 16)."""
    field = form.fields[name]
    # The id BoundField.auto_id gives, worked out here: form[name] would build and cache the bound field,
    # freezing its label before a subclass's __init__ renames it (the login page read 用户名).
    auto_id = form.auto_id % form.add_prefix(name) if form.auto_id and "%s" in str(form.auto_id) else ""
    if form.auto_id and not auto_id:
        auto_id = form.add_prefix(name)
    if not auto_id:
        return
    described = [f"{auto_id}_error"] + ([f"{auto_id}_helptext"] if field.help_text else [])
    field.widget.attrs["aria-describedby"] = " ".join(described)


class SubmitButtons(forms.Select):
    """A choice made by the form's submit buttons (name="action" value=…), so the page has no input of its
    own for it: the error summary names its message without a link, having nowhere to move the focus."""

    submit_buttons = True
