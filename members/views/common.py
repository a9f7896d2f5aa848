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
