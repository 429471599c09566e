"""The users, roles, groups and configuration items every simulated instance starts with.

sys_ids look like (and partly are) PDI demo data; see README "Simplifications".
"""

from __future__ import annotations

from dataclasses import dataclass

from .config import DEFAULT_PASSWORD, DEFAULT_USERNAME

# The demo users carry no documented password; this one is the sim's choice.
DEMO_PASSWORD = "snowops-demo"


@dataclass(frozen=True)
class SeedUser:
    """A user present from the start; sys_ids look like (and partly are) PDI demo data."""

    sys_id: str
    user_name: str
    first_name: str
    last_name: str
    email: str
    password: str
    title: str = ""
    #: Role names (sys_user_has_role); "admin" passes every ACL.
    roles: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The display name ServiceNow builds from first and last name."""
        return f"{self.first_name} {self.last_name}"

    def record(self, created_on: str) -> dict[str, str]:
        """The sys_user row for this user (fields not given keep the table defaults)."""
        return {
            "sys_id": self.sys_id,
            "user_name": self.user_name,
            "name": self.name,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "title": self.title,
            "sys_created_on": created_on,
            "sys_created_by": "admin",
            "sys_updated_on": created_on,
            "sys_updated_by": "admin",
        }


INTEGRATION_USER = SeedUser(
    sys_id="5fa7a2d11b3a2010a8e4edf7ec4bcb2e",
    user_name=DEFAULT_USERNAME,
    first_name="SnowOps",
    last_name="Integration",
    email="snowops.integration@example.com",
    password=DEFAULT_PASSWORD,
    title="Integration user",
    # What the SnowOps README asks of the integration user.
    roles=("itil", "audit_viewer", "sn_si.analyst"),
)
SEED_USERS: tuple[SeedUser, ...] = (
    SeedUser(
        sys_id="6816f79cc0a8016401c5a33be04be441",
        user_name="admin",
        first_name="System",
        last_name="Administrator",
        email="admin@example.com",
        password="admin",
        title="System Administrator",
        roles=("admin",),
    ),
    SeedUser(
        sys_id="62826bf03710200044e0bfc8bcbe5df1",
        user_name="abel.tuter",
        first_name="Abel",
        last_name="Tuter",
        email="abel.tuter@example.com",
        password=DEMO_PASSWORD,
        title="Network Engineer",
        roles=("itil",),
    ),
    SeedUser(
        sys_id="46d44a23a9fe19810012d100cca80666",
        user_name="beth.anglin",
        first_name="Beth",
        last_name="Anglin",
        email="beth.anglin@example.com",
        password=DEMO_PASSWORD,
        title="Service Desk Agent",
        roles=("itil",),
    ),
    SeedUser(
        sys_id="5137153cc611227c000bbd1bd8cd2007",  # as recorded (reference doc §2)
        user_name="david.loo",
        first_name="David",
        last_name="Loo",
        email="david.loo@example.com",
        password=DEMO_PASSWORD,
        title="Security Analyst",
        roles=("itil", "sn_si.analyst"),
    ),
    SeedUser(
        sys_id="5137153cc611227c000bbd1bd8cd2005",
        user_name="fred.luddy",
        first_name="Fred",
        last_name="Luddy",
        email="fred.luddy@example.com",
        password=DEMO_PASSWORD,
        title="Change Manager",
        roles=("approver_user",),
    ),
    SeedUser(
        sys_id="681ccaf9c0a8016400b98a06818d57c7",
        user_name="joe.employee",
        first_name="Joe",
        last_name="Employee",
        email="joe.employee@example.com",
        password=DEMO_PASSWORD,
        title="Employee",
    ),
    INTEGRATION_USER,
)

#: Roles a fresh instance defines (sys_user_role): name -> description.
SEED_ROLES = {
    "admin": "System Administrator",
    "itil": "Fulfiller: works incidents, problems and changes",
    "audit_viewer": "Reads sys_audit and sys_journal_field",
    "approver_user": "Approves requests and changes",
    "sn_si.analyst": "Security Incident Response analyst",
}


@dataclass(frozen=True)
class SeedGroup:
    """A sys_user_group row with its manager and members (user_names)."""

    sys_id: str
    name: str
    description: str
    manager: str
    members: tuple[str, ...]


SEED_GROUPS = (
    SeedGroup(
        "d625dccec0a8016700a222a0f7900d06",
        "Service Desk",
        "First line support",
        "beth.anglin",
        ("beth.anglin", "abel.tuter"),
    ),
    SeedGroup(
        "287ebd7da9fe198100f92cc8d1d2154e",
        "Network",
        "Network operations",
        "abel.tuter",
        ("abel.tuter", "david.loo"),
    ),
    SeedGroup(
        "8a4dde73c6112278017a6a4baf547aa7",
        "Security Operations",
        "Security incident response",
        "david.loo",
        ("david.loo",),
    ),
    SeedGroup(
        "b85d44954a3623120004689b2d5dd60a",
        "CAB Approval",
        "Change Advisory Board",
        "fred.luddy",
        ("fred.luddy", "beth.anglin"),
    ),
)

#: Configuration items (cmdb_ci): sys_id, name, class, short description.
SEED_CIS = (
    ("27d32778c0a8000b00db970eeaa60f16", "Email", "cmdb_ci_service", "Corporate email"),
    ("26da329f0a0a0bb400f69d8159bc753d", "SAP Sales and Distribution", "cmdb_ci_service", ""),
    ("3a70f789c0a8ce010091b0ea635b982a", "Corporate VPN", "cmdb_ci_service", "Remote access"),
    ("b4fd7c8437201000deeabfc8bcbe5dc1", "MailServerUS", "cmdb_ci_server", "Mail relay (US)"),
    ("9e8f1b2bc0a8016401b8e2b6f5d5a1b7", "EXCH-SJC-01", "cmdb_ci_win_server", "Exchange"),
    ("3a5dd3dbc0a8ce0100655f1ec66ed42c", "lnux100", "cmdb_ci_linux_server", "Web front end"),
    ("3a61ab8cc0a8ce010006d71d8a8d9d0f", "lnux101", "cmdb_ci_linux_server", "Web front end"),
    ("10884798c61122750108b095e21e4080", "bond-ny-rtr01", "cmdb_ci_ip_router", "Core router"),
)
