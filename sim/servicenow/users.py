"""The sys_user rows every simulated instance starts with, and their passwords."""

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
    ),
    SeedUser(
        sys_id="62826bf03710200044e0bfc8bcbe5df1",
        user_name="abel.tuter",
        first_name="Abel",
        last_name="Tuter",
        email="abel.tuter@example.com",
        password=DEMO_PASSWORD,
    ),
    SeedUser(
        sys_id="46d44a23a9fe19810012d100cca80666",
        user_name="beth.anglin",
        first_name="Beth",
        last_name="Anglin",
        email="beth.anglin@example.com",
        password=DEMO_PASSWORD,
        title="Service Desk Agent",
    ),
    INTEGRATION_USER,
)
