"""Demo organisations and logins (only for the demo and tests, never in production)."""
from django.contrib.auth import get_user_model

from geo_indi.areas.models import Municipality

from .models import Membership, Organisation

DEMO_PASSWORD = "demo-geo-indi"

DEMO_ORGANISATIONS = [
    ("Rovaniemen kaupunki", Organisation.Kind.MUNICIPALITY, ["698"]),
    ("Lapin hyvinvointialue", Organisation.Kind.WELLBEING_COUNTY, None),
    ("Lapin Kylät ry", Organisation.Kind.NGO, ["698", "758", "148", "261", "320"]),
    ("Kemin seurakunta", Organisation.Kind.PARISH, ["240", "241"]),
    ("Lapin yliopisto", Organisation.Kind.UNIVERSITY, []),  # works in no municipality: sees no records
]

DEMO_USERS = [
    ("admin", None, Membership.Role.ADMINISTRATOR, True),
    ("koordinaattori", "Rovaniemen kaupunki", Membership.Role.COORDINATOR, False),
    ("kenttatyo", "Rovaniemen kaupunki", Membership.Role.FIELD_WORKER, False),
    ("jarjesto", "Lapin Kylät ry", Membership.Role.FIELD_WORKER, False),
    ("seurakunta", "Kemin seurakunta", Membership.Role.FIELD_WORKER, False),
    ("hyvinvointialue", "Lapin hyvinvointialue", Membership.Role.COORDINATOR, False),
    ("tutkija", "Lapin yliopisto", Membership.Role.RESEARCHER, False),
]


def ensure_demo_accounts():
    """Create (or keep) the demo organisations and users. Returns [(username, role, org)]."""
    User = get_user_model()
    orgs = {}
    all_codes = list(Municipality.objects.values_list("code", flat=True))
    for name, kind, codes in DEMO_ORGANISATIONS:
        org, _ = Organisation.objects.get_or_create(name=name, defaults={"kind": kind})
        org.municipalities.set(Municipality.objects.filter(code__in=all_codes if codes is None else codes))
        orgs[name] = org
    admin_org = orgs["Lapin hyvinvointialue"]
    logins = []
    for username, org_name, role, superuser in DEMO_USERS:
        user, created = User.objects.get_or_create(username=username, defaults={"is_staff": superuser, "is_superuser": superuser})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        org = orgs[org_name] if org_name else admin_org
        Membership.objects.update_or_create(user=user, defaults={"organisation": org, "role": role})
        logins.append((username, role, org.name))
    return logins
