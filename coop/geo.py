"""French territory from a postcode."""

from localflavor.fr.fr_department import DEPARTMENT_CHOICES_PER_REGION


def department_from_postcode(postcode: str) -> str:
    """The département of a postcode: two digits, 2A/2B for Corsica, three digits
    overseas (971…976). Empty when there is no postcode."""
    if not postcode:
        return ""
    if postcode.startswith("20"):
        return "2A" if postcode < "20200" else "2B"
    if postcode.startswith("97"):
        return postcode[:3]
    return postcode[:2]


# Names of the départements, from the official geographic code (INSEE) that
# django-localflavor keeps up to date.
DEPARTMENT_NAMES: dict[str, str] = {
    code: name for code, name, _region in DEPARTMENT_CHOICES_PER_REGION
}
