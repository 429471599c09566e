"""HTML pages: OAuth login/consent, OAuth errors, and the bodies HTML-shaped faults return."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

AUTHORIZE_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "state",
    "scope",
    "code_challenge",
    "code_challenge_method",
)
BAD_CREDENTIALS = "User name or password invalid"
MISSING_STATE = "Missing State parameter in request"


def page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="UTF-8"/>'
        f"<title>{escape(title)}</title></head>\n<body>\n{body}\n</body></html>\n"
    )


def login_consent_page(params: Mapping[str, str], error: str | None = None) -> str:
    """Login plus consent form; posting it with `action=allow` approves the request."""
    hidden = "\n".join(
        f'<input type="hidden" name="{name}" value="{escape(params[name])}"/>'
        for name in AUTHORIZE_PARAMS
        if params.get(name)
    )
    message = f'<div class="outputmsg_error" role="alert">{escape(error)}</div>\n' if error else ""
    client = escape(params.get("client_id", ""))
    body = (
        f"<h1>Log in to authorize</h1>\n{message}"
        f"<p>The application <strong>{client}</strong> would like to connect to your "
        "ServiceNow account (scope: useraccount).</p>\n"
        '<form method="post" action="/oauth_auth.do" id="oauth_auth_form">\n'
        f"{hidden}\n"
        '<label for="user_name">User name</label>'
        '<input type="text" id="user_name" name="username" autocomplete="username"/>\n'
        '<label for="user_password">Password</label>'
        '<input type="password" id="user_password" name="password"/>\n'
        '<button type="submit" name="action" value="allow">Allow</button>\n'
        '<button type="submit" name="action" value="deny">Deny</button>\n'
        "</form>"
    )
    return page("ServiceNow - Authorize", body)


def oauth_error_page(message: str) -> str:
    """The plain error page oauth_auth.do shows for a bad authorization request."""
    return page("OAuth Error", f'<h1>OAuth Error</h1>\n<p class="error">{escape(message)}</p>')


def instance_login_page() -> str:
    """The UI login page an instance returns instead of JSON when the session is not API-auth'd.

    Shape modelled on the real page (login.do form, user_name / user_password fields); the
    markup is abbreviated, not a recording.
    """
    body = (
        '<div id="loginPage">\n'
        '<form action="login.do" method="post" name="loginPage" id="loginForm">\n'
        '<input type="hidden" name="sysparm_ck" value=""/>\n'
        '<label for="user_name">User name</label>'
        '<input type="text" name="user_name" id="user_name"/>\n'
        '<label for="user_password">Password</label>'
        '<input type="password" name="user_password" id="user_password"/>\n'
        '<button type="submit" id="sysverb_login" name="not_important">Log in</button>\n'
        "</form>\n</div>"
    )
    return page("Log in | ServiceNow", body)


def ip_blocked_page(address: str) -> str:
    """What IP Address Access Control answers to a denied address.

    Plausible, not recorded: the node log message is "Security restricted: Access restricted";
    the page text here is the sim's rendering of that.
    """
    body = (
        "<h1>Access restricted</h1>\n"
        f"<p>Security restricted: Access restricted. Your IP address ({escape(address)}) is not "
        "allowed to access this instance by its IP Address Access Control rules.</p>"
    )
    return page("Access restricted", body)


def gateway_page(status: int, reason: str) -> str:
    """The bare page a load balancer returns for 502/503."""
    return page(f"{status} {reason}", f"<h1>{status} {escape(reason)}</h1>")
