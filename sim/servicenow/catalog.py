"""Every table a fresh simulated instance has, and the groups of tables rules care about."""

from __future__ import annotations

from .schema import TableSchema
from .tables_itsm import CHANGE_REQUEST, INCIDENT
from .tables_more import CMDB_CI, PROBLEM, SECURITY_INCIDENT_PLUGIN, SN_SI_INCIDENT
from .tables_sys import (
    SYS_CHOICE,
    SYS_DICTIONARY,
    SYS_JOURNAL_FIELD,
    SYS_USER,
    SYS_USER_GRMEMBER,
    SYS_USER_GROUP,
    SYS_USER_HAS_ROLE,
    SYS_USER_ROLE,
    SYSAPPROVAL_APPROVER,
)

BASE_SCHEMAS: dict[str, TableSchema] = {
    schema.name: schema
    for schema in (
        INCIDENT,
        CHANGE_REQUEST,
        PROBLEM,
        SN_SI_INCIDENT,
        CMDB_CI,
        SYS_USER,
        SYS_JOURNAL_FIELD,
        SYS_CHOICE,
        SYS_DICTIONARY,
        SYS_USER_GROUP,
        SYS_USER_GRMEMBER,
        SYS_USER_ROLE,
        SYS_USER_HAS_ROLE,
        SYSAPPROVAL_APPROVER,
    )
}
#: Tables the push rule, auto-progress and /sim/tickets work on (SnowOps's ticket kinds).
TICKET_TABLES = ("incident", "change_request")
#: Task tables: numbered, journaled, reachable through a `task` reference.
TASK_TABLES = ("incident", "change_request", "problem", "sn_si_incident")
#: Plugins the instance may lack, by plugin id, with the tables they bring.
PLUGINS = {SECURITY_INCIDENT_PLUGIN: ("sn_si_incident",)}
PLUGIN_ALIASES = {"sn_si": SECURITY_INCIDENT_PLUGIN, "security_incident": SECURITY_INCIDENT_PLUGIN}
