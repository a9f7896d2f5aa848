"""What every view of the members app shares."""

from django.core.exceptions import PermissionDenied, ValidationError


def require_perm(user, *perms: str) -> None:
    """Refuse (403) unless the user holds at least one of these permissions."""
    if not any(user.has_perm(perm) for perm in perms):
        raise PermissionDenied


def apply_validation_error(form, error: ValidationError) -> None:
    """Show a service's refusal on the form: on its field when it names one."""
    if hasattr(error, "error_dict"):
        for field, field_errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error)


def folded_filters(filterset, data, *, shown: set[str]) -> dict:
    """The state of a list's folded filters (all but the `shown` ones): how many are in
    use, for the summary, and whether to unfold them because one of them is wrong."""
    extra = [name for name in filterset.filters if name not in shown]
    return {
        "extra_filters_used": sum(1 for name in extra if data.get(name)),
        "extra_filters_open": any(name in extra for name in filterset.form.errors),
    }
