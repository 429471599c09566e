"""Seed data: Secure Score control profiles and today's control scores, as plain literals.

Modelled on the live shape recorded by rknightion/graph2otel
(internal/collectors/entra/securescore/securescore_test.go): display-string threats,
"Unknown"/null costs and impacts, HTML remediation text, null lastModifiedDateTime on most.
Ids and titles follow real Secure Score controls; descriptions and HTML are written for the sim.
Tenant-specific fields (`azureTenantId`, `vendorInformation`, `complianceInformation`,
default `controlStateUpdates`) are added when a profile is rendered.
"""

from __future__ import annotations

from typing import Any

PROFILES: list[dict[str, Any]] = [
    # -- Identity ------------------------------------------------------------------------------
    {
        "id": "AdminMFAV2",
        "actionType": "Config",
        "actionUrl": "https://entra.microsoft.com/#view/Microsoft_AAD_ConditionalAccess",
        "controlCategory": "Identity",
        "title": "Ensure multifactor authentication is enabled for all users in administrative "
        "roles",
        "service": "AzureAD",
        "maxScore": 10.0,
        "implementationCost": "Low",
        "userImpact": "Low",
        "remediation": (
            "<p>Create a Conditional Access policy that requires multifactor authentication "
            "for every directory role:</p> <ol> <li>Go to the <b>Microsoft Entra admin "
            'center</b> <a href="https://entra.microsoft.com" target="_blank">'
            "https://entra.microsoft.com</a>.</li> <li>Select <b>Protection</b> &gt; "
            "<b>Conditional Access</b> &gt; <b>New policy</b>.</li> <li>Under "
            "<em>Users</em>, include the <em>Directory roles</em> that hold admin "
            "rights.</li> <li>Under <em>Grant</em>, select <em>Require multifactor "
            "authentication</em>.</li> <li>Set <em>Enable policy</em> to&nbsp;<b>On</b> and "
            "click <b>Create</b>.</li> </ol>"
        ),
        "remediationImpact": (
            "<p>Administrators are prompted for a second factor at sign-in.<br/>Exclude one "
            "emergency access account so nobody is locked out.</p>"
        ),
        "rank": 1,
        "tier": "Core",
        "threats": ["Account breach", "Elevation of privilege"],
        "deprecated": False,
        "lastModifiedDateTime": "2024-03-11T00:00:00Z",
    },
    {
        "id": "MFARegistrationV2",
        "actionType": "Config",
        "actionUrl": "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/IdentityProtectionMenuBlade",
        "controlCategory": "Identity",
        "title": "Ensure multifactor authentication is enabled for all users",
        "service": "AzureAD",
        "maxScore": 9.0,
        "implementationCost": "Moderate",
        "userImpact": "Moderate",
        "remediation": (
            "<p>Turn on the MFA registration policy so users register a second factor at "
            "their next sign-in:</p> <ol> <li>Open <em>Identity Protection</em> &gt; "
            "<em>Multifactor authentication registration policy</em>.</li> <li>Assign the "
            "policy to <b>All users</b>.</li> <li>Set <em>Policy enforcement</em> to "
            "<b>Enabled</b> and click <b>Save</b>.</li> </ol>"
        ),
        "remediationImpact": (
            "<p>Users without a registered method are asked to register one. Plan "
            "communication before you enable the policy.</p>"
        ),
        "rank": 2,
        "tier": "Core",
        "threats": ["Account breach", "Password Cracking"],
        "deprecated": False,
        "lastModifiedDateTime": None,
    },
    {
        "id": "BlockLegacyAuthentication",
        "actionType": "Config",
        "actionUrl": "https://entra.microsoft.com/#view/Microsoft_AAD_ConditionalAccess",
        "controlCategory": "Identity",
        "title": "Enable Conditional Access policies to block legacy authentication",
        "service": "AzureAD",
        "maxScore": 8.0,
        "implementationCost": "Moderate",
        "userImpact": "Moderate",
        "remediation": (
            "<ol> <li>Go to <b>Protection</b> &gt; <b>Conditional Access</b> and create a "
            "new policy.</li> <li>Include <em>All users</em> and <em>All cloud "
            "apps</em>.</li> <li>Under <em>Conditions</em> &gt; <em>Client apps</em>, "
            "select <em>Exchange ActiveSync clients</em> and <em>Other clients</em>.</li> "
            "<li>Under <em>Grant</em>, select <b>Block access</b>.</li> <li>Start in "
            "<em>Report-only</em>, review sign-ins, then switch the policy&nbsp;"
            "<b>On</b>.</li> </ol>"
        ),
        "remediationImpact": (
            "<p>Clients that only speak IMAP, POP3 or SMTP AUTH stop working. See "
            '<a href="https://learn.microsoft.com/entra/identity/conditional-access/'
            'policy-block-legacy-authentication" target="_blank">Block legacy '
            "authentication</a>.</p>"
        ),
        "rank": 3,
        "tier": "Core",
        "threats": ["Account breach", "Password Cracking", "Phishing or whaling"],
        "deprecated": False,
        "lastModifiedDateTime": None,
    },
    {
        "id": "SelfServicePasswordReset",
        "actionType": "Config",
        "actionUrl": "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/PasswordResetMenuBlade",
        "controlCategory": "Identity",
        "title": "Enable self-service password reset",
        "service": "AzureAD",
        "maxScore": 1.0,
        "implementationCost": "Low",
        "userImpact": "Moderate",
        "remediation": (
            "<p>Go to <b>Protection</b> &gt; <b>Password reset</b> &gt; <b>Properties</b> "
            "and set <em>Self service password reset enabled</em> to <b>All</b>.</p>"
        ),
        "remediationImpact": (
            "<p>Users are asked to register recovery methods the next time they sign in.</p>"
        ),
        "rank": 10,
        "tier": "Core",
        "threats": ["Account breach"],
        "deprecated": False,
        "lastModifiedDateTime": None,
    },
    {
        "id": "aad_admin_consent_workflow",
        "actionType": "Config",
        "actionUrl": "https://aad.portal.azure.com/#view/Microsoft_AAD_IAM/"
        "ConsentPoliciesMenuBlade/~/UserSettings",
        "controlCategory": "Identity",
        "title": "Ensure the admin consent workflow is enabled",
        "service": "AzureAD",
        "maxScore": 5.0,
        "implementationCost": "Unknown",
        "userImpact": None,
        "remediation": (
            "<ol> <li>In the <em>Microsoft Entra admin center</em>, select <em>Enterprise "
            "applications</em>.</li> <li>Under <em>Security</em> select <em>Consent and "
            "permissions</em>.</li> <li>Select <em>Admin consent settings</em> and set "
            "<em>Users can request admin consent to apps they are unable to consent "
            "to</em>&nbsp;to <em>Yes</em>.</li> <li>Choose the reviewers and select "
            "<em>Save</em>.</li> </ol>"
        ),
        "remediationImpact": "None.",
        "rank": 10,
        "tier": "Core",
        "threats": ["Data Exfiltration"],
        "deprecated": False,
        "lastModifiedDateTime": None,
    },
    {
        "id": "OneAdmin",
        "actionType": "Review",
        "actionUrl": "https://admin.microsoft.com/#/users",
        "controlCategory": "Identity",
        "title": "Designate more than one global admin",
        "service": "AzureAD",
        "maxScore": 1.0,
        "implementationCost": "Low",
        "userImpact": "Low",
        "remediation": (
            "<p>Assign the <b>Global Administrator</b> role to a second, cloud-only account "
            "so a single lost credential cannot lock you out of the tenant.</p>"
        ),
        "remediationImpact": "<p>None.</p>",
        "rank": 25,
        "tier": "Core",
        "threats": ["Account breach"],
        "deprecated": False,
        "lastModifiedDateTime": None,
    },
    {
        "id": "PWAgePolicyNew",
        "actionType": "Config",
        "actionUrl": "https://admin.microsoft.com/#/Settings/SecurityPrivacy/:/Settings/"
        "L1/PasswordPolicy",
        "controlCategory": "Identity",
        "title": "Set 'Password expiration policy' to 'Set passwords to never expire "
        "(recommended)'",
        "service": "AzureAD",
        "maxScore": 8.0,
        "implementationCost": "Low",
        "userImpact": "Low",
        "remediation": (
            "<p>In the <b>Microsoft 365 admin center</b> go to <em>Settings</em> &gt; "
            "<em>Org settings</em> &gt; <em>Security &amp; privacy</em> &gt; <em>Password "
            "expiration policy</em> and check <b>Set passwords to never expire</b>.</p>"
        ),
        "remediationImpact": "<p>Users are no longer asked to change passwords on a schedule.</p>",
        "rank": 10,
        "tier": "Core",
        "threats": ["Password Cracking"],
        "deprecated": False,
        "lastModifiedDateTime": None,
    },
    {
        "id": "SigninRiskPolicy",
        "actionType": "Config",
        "actionUrl": "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/IdentityProtectionMenuBlade",
        "controlCategory": "Identity",
        "title": "Turn on sign-in risk policy",
        "service": "AzureAD",
        "maxScore": 7.0,
        "implementationCost": "Moderate",
        "userImpact": "Moderate",
        "remediation": (
            "<p>Create a Conditional Access policy with the <em>Sign-in risk</em> condition "
            "set to <b>High</b> and <b>Medium</b> that grants access only after "
            "multifactor authentication.</p>"
        ),
        "remediationImpact": (
            "<p>Risky sign-ins must complete MFA. Requires Microsoft Entra ID P2.</p>"
        ),
        "rank": 8,
        "tier": "Core",
        "threats": ["Account breach"],
        "deprecated": False,
        "lastModifiedDateTime": None,
    },
    {
        "id": "UserRiskPolicy",
        "actionType": "Config",
        "actionUrl": "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/IdentityProtectionMenuBlade",
        "controlCategory": "Identity",
        "title": "Turn on user risk policy",
        "service": "AzureAD",
        "maxScore": 7.0,
        "implementationCost": "Moderate",
        "userImpact": "Moderate",
        "remediation": (
            "<p>Create a Conditional Access policy with the <em>User risk</em> condition "
            "set to <b>High</b> that requires a <em>secure password change</em>.</p>"
        ),
        "remediationImpact": (
            "<p>Users flagged as high risk must reset their password with MFA.</p>"
        ),
        "rank": 9,
        "tier": "Core",
        "threats": ["Account breach", "Password Cracking"],
        "deprecated": False,
        "lastModifiedDateTime": None,
    },
    {
        "id": "IntegratedApps",
        "actionType": "Config",
        "actionUrl": "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/"
        "ConsentPoliciesMenuBlade/~/UserSettings",
        "controlCategory": "Identity",
        "title": "Do not allow users to grant consent to unreliable applications",
        "service": "AzureAD",
        "maxScore": 4.0,
        "implementationCost": "Low",
        "userImpact": "Moderate",
        "remediation": (
            "<p>Under <em>Enterprise applications</em> &gt; <em>Consent and "
            "permissions</em>, select <b>Allow user consent for apps from verified "
            "publishers, for selected permissions</b>.</p>"
        ),
        "remediationImpact": (
            "<p>Users can no longer consent to apps from unverified publishers.</p>"
        ),
        "rank": 10,
        "tier": "Core",
        "threats": ["Data Exfiltration", "Elevation of privilege"],
        "deprecated": False,
        "lastModifiedDateTime": None,
    },
    {
        "id": "aad_custom_banned_passwords",
        "actionType": "Config",
        "actionUrl": "https://learn.microsoft.com/en-us/azure/active-directory/authentication/"
        "tutorial-configure-custom-password-protection",
        "controlCategory": "Identity",
        "title": "Ensure custom banned passwords lists are used",
        "service": "AzureAD",
        "maxScore": 5.0,
        "implementationCost": "Unknown",
        "userImpact": "Unknown",
        "remediation": (
            "<p>Create a custom banned password list:</p> <ol> <li>Open <em>Authentication "
            "methods</em> &gt; <em>Password protection</em>.</li> <li>Set <em>Enforce "
            "custom list</em> to <em>Yes</em>.</li> <li>Add brand, product and location "
            "names.</li> <li>Click <em>Save</em>.</li> </ol> <p><strong>NOTE</strong>: "
            "keep the list short and specific.</p>"
        ),
        "remediationImpact": (
            "<p>Users can no longer choose passwords that contain the listed terms.</p>"
        ),
        "rank": 10,
        "tier": "Core",
        "threats": ["Data Exfiltration", "Password Cracking", "Account breach"],
        "deprecated": False,
        "lastModifiedDateTime": None,
    },
    {
        "id": "11770.MDA_Google_EnableTwoFactorAuth",
        "actionType": "Config",
        "actionUrl": "https://support.google.com/a/answer/175197?hl=en",
        "controlCategory": "Identity",
        "title": "Enable multi-factor authentication (MFA)",
        "service": "MDA_Google",
        "maxScore": 7.0,
        "implementationCost": "Unknown",
        "userImpact": "Unknown",
        "remediation": (
            "<p>Ensure 2-Step Verification is enforced for Google Workspace -</p> <ol> "
            '<li>Navigate to <em>Google admin center</em> - <a href="https://admin.google'
            '.com">http://admin.google.com/</a></li> <li>Click <em>Security</em> &gt; '
            "<em>2-Step Verification</em>.</li> <li>Check <em>Allow users to turn on 2-Step "
            "Verification</em>.</li> <li>Check&nbsp;<em>On</em> under&nbsp;"
            "<em>Enforcement</em>.</li> <li>Click <em>Save</em>.</li> </ol>"
        ),
        "remediationImpact": (
            '<p>Follow the <a href="https://support.google.com/a/answer/9176657" '
            'target="_blank">guideline</a>.</p>'
        ),
        "rank": 10,
        "tier": "Core",
        "threats": ["Account breach", "Data Exfiltration"],
        "deprecated": False,
        "lastModifiedDateTime": None,
    },
    {
        "id": "RoleOverlap",
        "actionType": "Review",
        "actionUrl": "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/RolesManagementMenuBlade",
        "controlCategory": "Identity",
        "title": "Use least privileged administrative roles",
        "service": "AzureAD",
        "maxScore": 1.0,
        "implementationCost": "Low",
        "userImpact": "Low",
        "remediation": (
            "<p>Review users holding <b>Global Administrator</b> and move them to the least "
            "privileged role that covers their work, for example <em>Exchange "
            "Administrator</em>.</p>"
        ),
        "remediationImpact": "<p>Administrators lose rights they do not use.</p>",
        "rank": 40,
        "tier": "Defense in Depth",
        "threats": ["Elevation of privilege", "Malicious insider"],
        "deprecated": False,
        "lastModifiedDateTime": "2025-01-20T09:15:00Z",
    },
    {
        "id": "AdminMFA",
        "actionType": "Config",
        "actionUrl": "https://aka.ms/securescore/adminmfa",
        "controlCategory": "Identity",
        "title": "Require MFA for administrative roles",
        "service": "AzureAD",
        "maxScore": 50.0,
        "implementationCost": "Low",
        "userImpact": "Low",
        "remediation": ("<p>This control has been replaced by <b>AdminMFAV2</b>.</p>"),
        "remediationImpact": "<p>None.</p>",
        "rank": 99,
        "tier": "Core",
        "threats": ["Account breach"],
        "deprecated": True,
        "lastModifiedDateTime": "2020-06-30T00:00:00Z",
    },
    # -- Data ----------------------------------------------------------------------------------
    {
        "id": "DLPEnabled",
        "actionType": "Config",
        "actionUrl": "https://compliance.microsoft.com/#/policies",
        "controlCategory": "Data",
        "title": "Apply Data Loss Prevention policies",
        "service": "IP",
        "maxScore": 10.0,
        "implementationCost": "Moderate",
        "userImpact": "Moderate",
        "remediation": (
            "<p>In the <b>Microsoft Purview portal</b> open <em>Data loss prevention</em> "
            "&gt; <em>Policies</em> and create a policy from a template that matches the "
            "sensitive data you hold.<br/>Start in simulation mode and review matches "
            "before turning it on.</p>"
        ),
        "remediationImpact": (
            "<p>Users see policy tips and may be blocked from sharing sensitive content "
            "outside the organization.</p>"
        ),
        "rank": 55,
        "tier": "Advanced",
        "threats": ["Data Exfiltration", "Data Spillage"],
        "deprecated": False,
        "lastModifiedDateTime": None,
    },
    {
        "id": "InformationProtectionLabels",
        "actionType": "Config",
        "actionUrl": "https://compliance.microsoft.com/informationprotection",
        "controlCategory": "Data",
        "title": "Create and publish Microsoft Purview Information Protection sensitivity labels",
        "service": "IP",
        "maxScore": 10.0,
        "implementationCost": "Moderate",
        "userImpact": "Moderate",
        "remediation": (
            "<ol> <li>Open <em>Information protection</em> &gt; <em>Labels</em>.</li> "
            "<li>Create labels such as <b>Public</b>, <b>General</b> and "
            "<b>Confidential</b>.</li> <li>Publish them with a label policy to all "
            "users.</li> </ol>"
        ),
        "remediationImpact": "<p>Users can apply labels in Office apps.</p>",
        "rank": 30,
        "tier": "Defense in Depth",
        "threats": ["Data Exfiltration", "Data Spillage"],
        "deprecated": False,
        "lastModifiedDateTime": None,
    },
    {
        "id": "mip_search_auditlog",
        "actionType": "Config",
        "actionUrl": "https://compliance.microsoft.com/auditlogsearch",
        "controlCategory": "Data",
        "title": "Turn on audit log search",
        "service": "IP",
        "maxScore": 3.0,
        "implementationCost": "Low",
        "userImpact": "Low",
        "remediation": (
            "<p>Go to <em>Audit</em> in the Microsoft Purview portal and click <b>Start "
            "recording user and admin activity</b>.</p>"
        ),
        "remediationImpact": "<p>None.</p>",
        "rank": 12,
        "tier": "Core",
        "threats": ["Malicious insider", "Data Exfiltration"],
        "deprecated": False,
        "lastModifiedDateTime": None,
    },
    {
        "id": "scc_sensitivity_labels",
        "actionType": "Config",
        "actionUrl": "https://compliance.microsoft.com/informationprotection?viewid=autolabeling",
        "controlCategory": "Data",
        "title": "Extend Microsoft 365 sensitivity labeling to assets in Microsoft Purview "
        "Data Map",
        "service": "IP",
        "maxScore": 5.0,
        "implementationCost": "Unknown",
        "userImpact": None,
        "remediation": (
            "<p>In <em>Information protection</em> &gt; <em>Labels</em>, select <b>Turn "
            "on</b> under <em>Extend labeling to assets in Microsoft Purview Data "
            "Map</em>.</p>"
        ),
        "remediationImpact": "None.",
        "rank": 60,
        "tier": "Advanced",
        "threats": ["Data Spillage"],
        "deprecated": False,
        "lastModifiedDateTime": None,
    },
    {
        "id": "exo_mailboxaudit",
        "actionType": "Config",
        "actionUrl": "https://learn.microsoft.com/purview/audit-mailboxes",
        "controlCategory": "Data",
        "title": "Ensure mailbox auditing for all users is Enabled",
        "service": "EXO",
        "maxScore": 5.0,
        "implementationCost": "Low",
        "userImpact": "Low",
        "remediation": (
            "<p>Run the following in Exchange Online PowerShell:</p> <p><b>Set-"
            "OrganizationConfig -AuditDisabled $false</b><br/>then, for each mailbox with "
            "auditing turned off:<br/><b>Set-Mailbox -Identity &lt;user&gt; -AuditEnabled "
            "$true</b></p>"
        ),
        "remediationImpact": "<p>None.</p>",
        "rank": 18,
        "tier": "Core",
        "threats": ["Malicious insider", "Data Exfiltration"],
        "deprecated": False,
        "lastModifiedDateTime": None,
    },
    {
        "id": "spo_idle_session_timeout",
        "actionType": "Config",
        "actionUrl": "https://admin.microsoft.com/sharepoint?page=accessControl",
        "controlCategory": "Data",
        "title": "Ensure Idle Session Timeout is set to 3 hours or less for unmanaged devices",
        "service": "SPO",
        "maxScore": 3.0,
        "implementationCost": "Low",
        "userImpact": "Moderate",
        "remediation": (
            "<ol> <li>Open the <b>SharePoint admin center</b> &gt; <em>Policies</em> &gt; "
            "<em>Access control</em>.</li> <li>Select <em>Idle session sign-out</em> and "
            "turn it on.</li> <li>Sign users out after <b>3 hours</b> or less.</li> </ol>"
        ),
        "remediationImpact": (
            "<p>Users on unmanaged devices are signed out after the idle period.</p>"
        ),
        "rank": 35,
        "tier": "Defense in Depth",
        "threats": ["Account breach", "Data Exfiltration"],
        "deprecated": False,
        "lastModifiedDateTime": None,
    },
    {
        "id": "IRMEnabled",
        "actionType": "Config",
        "actionUrl": "https://aka.ms/securescore/irm",
        "controlCategory": "Data",
        "title": "Enable Information Rights Management (IRM) services",
        "service": "EXO",
        "maxScore": 5.0,
        "implementationCost": "Moderate",
        "userImpact": "Moderate",
        "remediation": "<p>This control is no longer scored.</p>",
        "remediationImpact": "<p>None.</p>",
        "rank": 99,
        "tier": "Advanced",
        "threats": ["Data Spillage"],
        "deprecated": True,
        "lastModifiedDateTime": "2019-11-05T00:00:00Z",
    },
    # -- Apps ----------------------------------------------------------------------------------
    {
        "id": "mdo_atpprotection",
        "actionType": "Config",
        "actionUrl": "https://security.microsoft.com/safeattachmentv2",
        "controlCategory": "Apps",
        "title": "Turn on Microsoft Defender for Office 365 in SharePoint, OneDrive, and "
        "Microsoft Teams",
        "service": "MDO",
        "maxScore": 8.0,
        "implementationCost": "Low",
        "userImpact": "Low",
        "remediation": (
            "<p>In the <b>Microsoft Defender portal</b> go to <em>Policies &amp; rules</em> "
            "&gt; <em>Threat policies</em> &gt; <em>Safe Attachments</em> &gt; <em>Global "
            "settings</em> and turn on <b>Defender for Office 365 for SharePoint, OneDrive, "
            "and Microsoft Teams</b>.</p>"
        ),
        "remediationImpact": "<p>Malicious files are blocked from being opened.</p>",
        "rank": 14,
        "tier": "Core",
        "threats": ["Phishing or whaling", "Data Deletion"],
        "deprecated": False,
        "lastModifiedDateTime": None,
    },
    {
        "id": "mdo_safelinksforemail",
        "actionType": "Config",
        "actionUrl": "https://security.microsoft.com/safelinksv2",
        "controlCategory": "Apps",
        "title": "Create Safe Links policies for email messages",
        "service": "MDO",
        "maxScore": 9.0,
        "implementationCost": "Low",
        "userImpact": "Low",
        "remediation": (
            "<ol> <li>Go to <em>Threat policies</em> &gt; <em>Safe Links</em>.</li> "
            "<li>Create a policy that applies to all recipient domains.</li> <li>Turn on "
            "<b>On: Safe Links checks a list of known, malicious links when users click "
            "links in email</b>.</li> </ol>"
        ),
        "remediationImpact": "<p>Links in email are rewritten and checked at click time.</p>",
        "rank": 15,
        "tier": "Core",
        "threats": ["Phishing or whaling"],
        "deprecated": False,
        "lastModifiedDateTime": None,
    },
    {
        "id": "mdo_safeattachments",
        "actionType": "Config",
        "actionUrl": "https://security.microsoft.com/safeattachmentv2",
        "controlCategory": "Apps",
        "title": "Turn on Safe Attachments in block mode",
        "service": "MDO",
        "maxScore": 8.0,
        "implementationCost": "Low",
        "userImpact": "Low",
        "remediation": (
            "<p>Create a Safe Attachments policy with <em>Safe Attachments unknown malware "
            "response</em> set to <b>Block</b> and apply it to all recipients.</p>"
        ),
        "remediationImpact": (
            "<p>Messages with attachments may be delayed while they are scanned.</p>"
        ),
        "rank": 16,
        "tier": "Core",
        "threats": ["Phishing or whaling", "Data Deletion"],
        "deprecated": False,
        "lastModifiedDateTime": None,
    },
    {
        "id": "mdo_antiphishing",
        "actionType": "Config",
        "actionUrl": "https://security.microsoft.com/antiphishing",
        "controlCategory": "Apps",
        "title": "Ensure that an anti-phishing policy has been created",
        "service": "MDO",
        "maxScore": 8.0,
        "implementationCost": "Low",
        "userImpact": "Low",
        "remediation": (
            "<p>Go to <em>Threat policies</em> &gt; <em>Anti-phishing</em>, create a policy "
            "for all domains, and turn on <b>user</b> and <b>domain impersonation "
            "protection</b> and <b>mailbox intelligence</b>.</p>"
        ),
        "remediationImpact": "<p>Impersonation attempts are quarantined.</p>",
        "rank": 17,
        "tier": "Core",
        "threats": ["Phishing or whaling", "Spoofing"],
        "deprecated": False,
        "lastModifiedDateTime": None,
    },
    {
        "id": "exo_oauth2clientprofileenabled",
        "actionType": "Config",
        "actionUrl": "https://learn.microsoft.com/exchange/clients-and-mobile-in-exchange-online/"
        "enable-or-disable-modern-authentication-in-exchange-online",
        "controlCategory": "Apps",
        "title": "Ensure modern authentication for Exchange Online is enabled",
        "service": "EXO",
        "maxScore": 9.0,
        "implementationCost": "Low",
        "userImpact": "Low",
        "remediation": (
            "<p>Run <b>Set-OrganizationConfig -OAuth2ClientProfileEnabled $True</b> in "
            "Exchange Online PowerShell.</p>"
        ),
        "remediationImpact": "<p>None.</p>",
        "rank": 20,
        "tier": "Core",
        "threats": ["Account breach", "Password Cracking"],
        "deprecated": False,
        "lastModifiedDateTime": None,
    },
    {
        "id": "exo_storageproviderrestricted",
        "actionType": "Config",
        "actionUrl": "https://admin.exchange.microsoft.com/#/",
        "controlCategory": "Apps",
        "title": "Ensure additional storage providers are restricted in Outlook on the web",
        "service": "EXO",
        "maxScore": 2.0,
        "implementationCost": "Low",
        "userImpact": "Low",
        "remediation": (
            "<p>Run <b>Set-OwaMailboxPolicy -Identity OwaMailboxPolicy-Default "
            "-AdditionalStorageProvidersAvailable $false</b>.</p>"
        ),
        "remediationImpact": (
            "<p>Users can no longer open files from third-party storage in Outlook on the web.</p>"
        ),
        "rank": 70,
        "tier": "Defense in Depth",
        "threats": ["Data Exfiltration"],
        "deprecated": False,
        "lastModifiedDateTime": None,
    },
    # -- Device --------------------------------------------------------------------------------
    {
        "id": "scid_2010",
        "actionType": "Config",
        "actionUrl": "https://security.microsoft.com/securecontrolsv2?sid=scid_2010",
        "controlCategory": "Device",
        "title": "Turn on Microsoft Defender Antivirus PUA protection in block mode",
        "service": "MDATP",
        "maxScore": 8.0,
        "implementationCost": "Low",
        "userImpact": "Low",
        "remediation": (
            "<p>Set <em>Configure detection for potentially unwanted applications</em> to "
            "<b>Enabled: Block</b>:</p> <ol> <li>Intune: <em>Endpoint security</em> &gt; "
            "<em>Antivirus</em> &gt; <em>Allow detection of potentially unwanted "
            "applications</em>&nbsp;= <b>Block</b>.</li> <li>Group Policy: "
            "<em>Computer Configuration</em> &gt; <em>Administrative Templates</em> &gt; "
            "<em>Microsoft Defender Antivirus</em>.</li> </ol>"
        ),
        "remediationImpact": "<p>Adware and bundleware are blocked on devices.</p>",
        "rank": 11,
        "tier": "Defense in Depth",
        "threats": ["Malicious insider"],
        "deprecated": False,
        "lastModifiedDateTime": None,
    },
    {
        "id": "scid_90",
        "actionType": "Config",
        "actionUrl": "https://security.microsoft.com/securecontrolsv2?sid=scid_90",
        "controlCategory": "Device",
        "title": "Block executable content from email client and webmail",
        "service": "MDATP",
        "maxScore": 9.0,
        "implementationCost": "Moderate",
        "userImpact": "Moderate",
        "remediation": (
            "<p>Turn on the attack surface reduction rule <b>Block executable content from "
            "email client and webmail</b> (GUID "
            "be9ba2d9-53ea-4cdc-84e5-9b1eeee46550) in <b>Block</b> mode.</p>"
        ),
        "remediationImpact": (
            "<p>Run in <em>Audit</em> mode first to find legitimate workflows that break.</p>"
        ),
        "rank": 4,
        "tier": "Core",
        "threats": ["Phishing or whaling", "Elevation of privilege"],
        "deprecated": False,
        "lastModifiedDateTime": None,
    },
    {
        "id": "scid_91",
        "actionType": "Config",
        "actionUrl": "https://security.microsoft.com/securecontrolsv2?sid=scid_91",
        "controlCategory": "Device",
        "title": "Block Office applications from creating executable content",
        "service": "MDATP",
        "maxScore": 9.0,
        "implementationCost": "Moderate",
        "userImpact": "Moderate",
        "remediation": (
            "<p>Turn on the attack surface reduction rule <b>Block Office applications "
            "from creating executable content</b> in <b>Block</b> mode.</p>"
        ),
        "remediationImpact": "<p>Macros that drop executables stop working.</p>",
        "rank": 5,
        "tier": "Core",
        "threats": ["Phishing or whaling"],
        "deprecated": False,
        "lastModifiedDateTime": None,
    },
    {
        "id": "scid_96",
        "actionType": "Config",
        "actionUrl": "https://security.microsoft.com/securecontrolsv2?sid=scid_96",
        "controlCategory": "Device",
        "title": "Turn on Microsoft Defender Antivirus network protection in block mode",
        "service": "MDATP",
        "maxScore": 8.0,
        "implementationCost": "Low",
        "userImpact": "Low",
        "remediation": (
            "<p>Set <em>Enable network protection</em> to <b>Enabled (block mode)</b> in "
            "the Microsoft Defender Antivirus policy.</p>"
        ),
        "remediationImpact": (
            "<p>Connections to low-reputation domains are blocked on devices.</p>"
        ),
        "rank": 6,
        "tier": "Core",
        "threats": ["Phishing or whaling", "Data Exfiltration"],
        "deprecated": False,
        "lastModifiedDateTime": None,
    },
    {
        "id": "scid_2016",
        "actionType": "Config",
        "actionUrl": "https://security.microsoft.com/securecontrolsv2?sid=scid_2016",
        "controlCategory": "Device",
        "title": "Turn on Microsoft Defender Antivirus cloud-delivered protection",
        "service": "MDATP",
        "maxScore": 6.0,
        "implementationCost": "Low",
        "userImpact": "Low",
        "remediation": (
            "<p>Set <em>Join Microsoft MAPS</em> to <b>Advanced MAPS</b> and <em>Send file "
            "samples</em> to <b>Send safe samples</b>.</p>"
        ),
        "remediationImpact": "<p>None.</p>",
        "rank": 7,
        "tier": "Core",
        "threats": ["Malicious insider"],
        "deprecated": False,
        "lastModifiedDateTime": None,
    },
    {
        "id": "scid_64",
        "actionType": "Config",
        "actionUrl": "https://security.microsoft.com/securecontrolsv2?sid=scid_64",
        "controlCategory": "Device",
        "title": "Turn on Microsoft Defender Firewall",
        "service": "MDATP",
        "maxScore": 7.0,
        "implementationCost": "Low",
        "userImpact": "Low",
        "remediation": (
            "<p>Turn on Microsoft Defender Firewall for the <b>Domain</b>, <b>Private</b> "
            "and <b>Public</b> profiles.</p>"
        ),
        "remediationImpact": "<p>Inbound connections not allowed by a rule are blocked.</p>",
        "rank": 13,
        "tier": "Core",
        "threats": ["Elevation of privilege"],
        "deprecated": False,
        "lastModifiedDateTime": None,
    },
    {
        "id": "scid_5090",
        "actionType": "Config",
        "actionUrl": "https://security.microsoft.com/securecontrolsv2?sid=scid_5090",
        "controlCategory": "Device",
        "title": "Enable Local Security Authority (LSA) protection",
        "service": "MDATP",
        "maxScore": 5.0,
        "implementationCost": "Moderate",
        "userImpact": "Unknown",
        "remediation": (
            "<p>Set the registry value <b>HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa"
            "\\RunAsPPL</b> to <b>1</b>, or use the Intune setting <em>Local Security "
            "Authority</em> &gt; <em>Configure LSA protected process</em>.</p>"
        ),
        "remediationImpact": ("<p>Unsigned LSA plug-ins and drivers fail to load.</p>"),
        "rank": 21,
        "tier": "Defense in Depth",
        "threats": ["Password Cracking", "Elevation of privilege"],
        "deprecated": False,
        "lastModifiedDateTime": None,
    },
    # -- Infrastructure ------------------------------------------------------------------------
    {
        "id": "mdc_defender_for_servers",
        "actionType": "Config",
        "actionUrl": "https://portal.azure.com/#view/Microsoft_Azure_Security/"
        "SecurityMenuBlade/~/EnvironmentSettings",
        "controlCategory": "Infrastructure",
        "title": "Enable Microsoft Defender for Servers",
        "service": "MDC",
        "maxScore": 10.0,
        "implementationCost": "High",
        "userImpact": "Low",
        "remediation": (
            "<p>In <b>Microsoft Defender for Cloud</b> open <em>Environment settings</em>, "
            "select the subscription and set <em>Servers</em> to <b>On</b>.</p>"
        ),
        "remediationImpact": "<p>Billing applies per protected server.</p>",
        "rank": 45,
        "tier": "Advanced",
        "threats": ["Elevation of privilege", "Data Exfiltration"],
        "deprecated": False,
        "lastModifiedDateTime": None,
    },
    {
        "id": "mdi_unsecure_kerberos_delegation",
        "actionType": "Config",
        "actionUrl": "https://security.microsoft.com/securescore?viewid=actions",
        "controlCategory": "Infrastructure",
        "title": "Remove unsecure Kerberos delegation",
        "service": "MDI",
        "maxScore": 5.0,
        "implementationCost": "Moderate",
        "userImpact": "Low",
        "remediation": (
            "<p>For every exposed account, change the delegation setting to <b>Trust this "
            "computer for delegation to specified services only</b> (constrained "
            "delegation), or clear it.</p>"
        ),
        "remediationImpact": "<p>Services relying on unconstrained delegation need "
        "reconfiguring.</p>",
        "rank": 50,
        "tier": "Defense in Depth",
        "threats": ["Elevation of privilege", "Account breach"],
        "deprecated": False,
        "lastModifiedDateTime": None,
    },
    {
        "id": "mdi_dormant_entities",
        "actionType": "Review",
        "actionUrl": "https://security.microsoft.com/securescore?viewid=actions",
        "controlCategory": "Infrastructure",
        "title": "Remove dormant accounts from sensitive groups",
        "service": "MDI",
        "maxScore": 5.0,
        "implementationCost": "Low",
        "userImpact": "Low",
        "remediation": (
            "<p>Review the listed accounts and disable them or remove them from "
            "<b>Domain Admins</b>, <b>Enterprise Admins</b> and other sensitive "
            "groups.</p>"
        ),
        "remediationImpact": "<p>None.</p>",
        "rank": 52,
        "tier": "Defense in Depth",
        "threats": ["Account breach", "Elevation of privilege"],
        "deprecated": False,
        "lastModifiedDateTime": None,
    },
]
"""Every control profile (deprecated ones included), in the catalog's order."""

# A profile's controlStateUpdates when nobody has touched it (the live shape).
DEFAULT_STATE_UPDATE: dict[str, Any] = {
    "assignedTo": None,
    "comment": None,
    "state": "Default",
    "updatedBy": None,
    "updatedDateTime": None,
}

STATE_UPDATES: dict[str, list[dict[str, Any]]] = {
    "RoleOverlap": [
        {
            "assignedTo": "",
            "comment": "Break-glass accounts keep Global Administrator by design.",
            "state": "Ignored",
            "updatedBy": "secops@contoso.onmicrosoft.com",
            "updatedDateTime": "2025-01-20T09:15:00Z",
        }
    ],
    "mdo_safeattachments": [
        {
            "assignedTo": "",
            "comment": "Attachments are detonated by the third-party mail gateway.",
            "state": "ThirdParty",
            "updatedBy": "secops@contoso.onmicrosoft.com",
            "updatedDateTime": "2025-02-03T14:02:11Z",
        }
    ],
}
"""Seeded non-default controlStateUpdates (one Ignored, one ThirdParty)."""

CONTROL_SCORES: dict[str, dict[str, Any]] = {
    "AdminMFAV2": {
        "description": "Requiring multifactor authentication (MFA) for all administrative "
        "roles makes it harder for attackers to access accounts. Administrative roles have "
        "higher permissions than typical users.",
        "score": 5.0,
        "implementationStatus": "You have 2 of 4 users in administrative roles that aren't "
        "registered and protected with MFA.",
        "count": "2",
        "total": "4",
    },
    "MFARegistrationV2": {
        "description": "Registering every user for multifactor authentication (MFA) means a "
        "stolen password alone no longer opens their account; a second method such as the "
        "Microsoft Authenticator app keeps them protected if one factor leaks.",
        "score": 6.75,
        "implementationStatus": "You have 12 out of 48 users that aren’t registered with MFA.",
        "count": "36",
        "total": "48",
    },
    "BlockLegacyAuthentication": {
        "description": "Legacy protocols such as IMAP, POP3 and SMTP AUTH cannot do "
        "multifactor authentication, so they are the usual way around an MFA policy.",
        "score": 0.0,
        "implementationStatus": "You have 48 of 48 users that don't have legacy "
        "authentication blocked.",
        "count": "0",
        "total": "48",
    },
    "SelfServicePasswordReset": {
        "description": "Self-service password reset lets users recover their own accounts "
        "without a help desk call.",
        "score": 1.0,
        "implementationStatus": "You have 0 of 48 users who don't have self-service password "
        "reset enabled.",
        "count": "48",
        "total": "48",
    },
    "aad_admin_consent_workflow": {
        "description": "The admin consent workflow gives users a way to request access to "
        "applications that require admin consent.",
        "score": 0.0,
        "implementationStatus": "The admin consent workflow is not enabled.",
        "on": "false",
    },
    "OneAdmin": {
        "description": "Having more than one global administrator helps if you're unable to "
        "fulfill the needs or obligations of your organization.",
        "score": 1.0,
        "implementationStatus": "You have 3 global admins.",
        "count": "3",
        "total": "3",
    },
    "PWAgePolicyNew": {
        "description": "Forced periodic password changes push users towards weaker, "
        "predictable passwords; cloud-only tenants should let strong passwords stand.",
        "score": 8.0,
        "implementationStatus": "Your current policy is set to never let passwords expire.",
    },
    "SigninRiskPolicy": {
        "description": "Turning on the sign-in risk policy ensures that suspicious sign-ins "
        "are challenged for multifactor authentication (MFA).",
        "score": 0.0,
        "implementationStatus": "You have 0 of 48 users protected by a sign-in risk policy.",
        "count": "0",
        "total": "48",
    },
    "UserRiskPolicy": {
        "description": "Turning on the user risk policy detects the probability that a user "
        "account has been compromised.",
        "score": 0.0,
        "implementationStatus": "You have 0 of 48 users protected by a user risk policy.",
        "count": "0",
        "total": "48",
    },
    "IntegratedApps": {
        "description": "Limiting user consent to apps from verified publishers makes it "
        "harder for a malicious application to trick users into handing over access to your "
        "organization's data.",
        "score": 4.0,
        "implementationStatus": "You have a user consent policy in place.",
        "on": "true",
    },
    "aad_custom_banned_passwords": {
        "description": "A custom banned password list prevents users from choosing passwords "
        "built from terms specific to your organization.",
        "score": 0.0,
        "implementationStatus": "Custom banned passwords are not enforced.",
        "on": "false",
    },
    "11770.MDA_Google_EnableTwoFactorAuth": {
        "description": "Enforcing 2-Step Verification in Google Workspace reduces the risk of "
        "account takeover.",
        "score": 0.0,
        "implementationStatus": "2-Step Verification is not enforced for 1 of 1 "
        "organizational units.",
    },
    "RoleOverlap": {
        "description": "Ensure that your administrators can accomplish their work with the "
        "least amount of privilege assigned to their account.",
        "score": 0.0,
        "implementationStatus": "You have 3 users with the Global Administrator role.",
        "count": "3",
        "total": "3",
    },
    "DLPEnabled": {
        "description": "Data loss prevention policies help you identify, monitor and "
        "protect sensitive information across Microsoft 365.",
        "score": 0.0,
        "implementationStatus": "You have 0 DLP policies turned on.",
    },
    "InformationProtectionLabels": {
        "description": "Sensitivity labels let you classify and protect documents and email "
        "according to their sensitivity.",
        "score": 0.0,
        "implementationStatus": "You have not published any sensitivity labels.",
    },
    "mip_search_auditlog": {
        "description": "Turning on audit log search lets your security team investigate "
        "user and admin activity.",
        "score": 3.0,
        "implementationStatus": "Audit log search is turned on.",
        "on": "true",
    },
    "scc_sensitivity_labels": {
        "description": "Extending sensitivity labels to the Microsoft Purview Data Map lets "
        "you classify assets outside Microsoft 365.",
        "score": 0.0,
        "implementationStatus": "Labeling is not extended to the Data Map.",
        "on": "false",
    },
    "exo_mailboxaudit": {
        "description": "Auditing every mailbox, owner access included, lets you trace what "
        "happened in Exchange Online after an account is breached.",
        "score": 4.5,
        "implementationStatus": "You have 5 of 50 mailboxes with auditing turned off.",
        "count": "45",
        "total": "50",
    },
    "spo_idle_session_timeout": {
        "description": "Signing out idle sessions on unmanaged devices limits what a lost or "
        "shared device exposes.",
        "score": 0.0,
        "implementationStatus": "Idle session sign-out is off.",
        "on": "false",
    },
    "mdo_atpprotection": {
        "description": "Defender for Office 365 for SharePoint, OneDrive and Teams blocks "
        "malicious files that users share.",
        "score": 0.0,
        "implementationStatus": "Defender for Office 365 is off for SharePoint, OneDrive and "
        "Microsoft Teams.",
        "on": "false",
    },
    "mdo_safelinksforemail": {
        "description": "Safe Links checks URLs in email messages at the time of click.",
        "score": 0.0,
        "implementationStatus": "You have 0 Safe Links policies that cover all recipients.",
    },
    "mdo_safeattachments": {
        "description": "Safe Attachments opens attachments in a sandbox before delivery and "
        "blocks the ones that turn out to be malicious.",
        "score": 8.0,
        "implementationStatus": "Resolved through third party.",
    },
    "mdo_antiphishing": {
        "description": "Anti-phishing policies protect users from impersonation and spoofing "
        "attacks.",
        "score": 4.0,
        "implementationStatus": "Your anti-phishing policy protects 25 of 50 users.",
        "count": "25",
        "total": "50",
    },
    "exo_oauth2clientprofileenabled": {
        "description": "Modern authentication lets Outlook and other clients use "
        "multifactor authentication when connecting to Exchange Online.",
        "score": 9.0,
        "implementationStatus": "Modern authentication is turned on.",
        "on": "true",
    },
    "exo_storageproviderrestricted": {
        "description": "Restricting additional storage providers stops users from opening "
        "and sharing files through third-party storage in Outlook on the web.",
        "score": 0.0,
        "implementationStatus": "Additional storage providers are allowed.",
        "on": "false",
    },
    "scid_2010": {
        "description": "Potentially unwanted applications can slow devices, show unexpected "
        "ads, or install other software.",
        "score": 2.67,
        "implementationStatus": "You have 8 of 12 devices exposed.",
        "count": "8",
        "total": "12",
    },
    "scid_90": {
        "description": "Executable content delivered by email is a common first stage of "
        "malware infections.",
        "score": 0.0,
        "implementationStatus": "You have 12 of 12 devices exposed.",
        "count": "12",
        "total": "12",
    },
    "scid_91": {
        "description": "Office apps writing executables to disk is typical of malicious macros.",
        "score": 4.5,
        "implementationStatus": "You have 6 of 12 devices exposed.",
        "count": "6",
        "total": "12",
    },
    "scid_96": {
        "description": "Network protection stops devices from connecting to phishing and "
        "malware sites.",
        "score": 0.0,
        "implementationStatus": "You have 12 of 12 devices exposed.",
        "count": "12",
        "total": "12",
    },
    "scid_2016": {
        "description": "Cloud-delivered protection gives near-instant detection of new threats.",
        "score": 6.0,
        "implementationStatus": "You have 0 of 12 devices exposed.",
        "count": "0",
        "total": "12",
    },
    "scid_64": {
        "description": "Microsoft Defender Firewall blocks unauthorized network traffic to "
        "and from devices.",
        "score": 5.83,
        "implementationStatus": "You have 2 of 12 devices exposed.",
        "count": "2",
        "total": "12",
    },
    "scid_5090": {
        "description": "LSA protection stops untrusted code from reading credentials held by "
        "the Local Security Authority.",
        "score": 0.0,
        "implementationStatus": "You have 12 of 12 devices exposed.",
        "count": "12",
        "total": "12",
    },
    "mdc_defender_for_servers": {
        "description": "Microsoft Defender for Servers adds threat detection and "
        "vulnerability assessment to Windows and Linux machines.",
        "score": 0.0,
        "implementationStatus": "Defender for Servers is off on 1 of 1 subscriptions.",
        "count": "0",
        "total": "1",
    },
    "mdi_unsecure_kerberos_delegation": {
        "description": "Unconstrained Kerberos delegation lets a compromised service "
        "impersonate any user to any service.",
        "score": 2.5,
        "implementationStatus": "You have 2 of 4 accounts configured for unsecure Kerberos "
        "delegation.",
        "count": "2",
        "total": "4",
    },
    "mdi_dormant_entities": {
        "description": "Dormant accounts in sensitive groups are an easy target for attackers "
        "who want to escalate privileges.",
        "score": 5.0,
        "implementationStatus": "You have 0 dormant accounts in sensitive groups.",
        "count": "0",
        "total": "0",
    },
}
"""Today's controlScores entry per non-deprecated control (controlCategory, controlName and
lastSynced are filled in from the profile and the day)."""

SCORE_HISTORY: dict[str, list[float]] = {
    "AdminMFAV2": [5.0, 2.5, 2.5, 0.0],
    "MFARegistrationV2": [6.0, 5.25, 4.5],
    "mdo_antiphishing": [0.0],
    "scid_2010": [2.0, 1.33],
    "exo_mailboxaudit": [4.5, 4.0],
}
"""Earlier scores of controls that improved recently: index 0 is yesterday, 1 the day before;
days past the end of a list repeat its last value, controls not listed kept today's score."""

ACTIVE_USER_COUNT = 48
LICENSED_USER_COUNT = 50
ENABLED_SERVICES = [
    "HasAADP1",
    "HasAADP2",
    "HasMCAS",
    "HasMDOP1",
    "HasMDOP2",
    "HasEXOP2",
    "HasAIPP1",
    "HasM365E5",
    "HasMDEP2",
    "HasSPOP2",
]
AVERAGE_COMPARATIVE_SCORES: list[dict[str, Any]] = [
    {
        "appsScore": 47.12,
        "appsScoreMax": 118.4,
        "averageScore": 51.93,
        "basis": "AllTenants",
        "dataScore": 0.41,
        "dataScoreMax": 5.6,
        "deviceScore": 19.88,
        "deviceScoreMax": 34.2,
        "identityScore": 42.07,
        "identityScoreMax": 62.5,
        "infrastructureScore": 0.0,
        "infrastructureScoreMax": 0.0,
    },
    {
        "SeatSizeRangeLowerValue": "1",
        "SeatSizeRangeUpperValue": "100",
        "appsScore": 50.77,
        "appsScoreMax": 139.3,
        "averageScore": 46.85,
        "basis": "TotalSeats",
        "dataScore": 0.39,
        "dataScoreMax": 6.1,
        "deviceScore": 17.02,
        "deviceScoreMax": 29.1,
        "identityScore": 39.64,
        "identityScoreMax": 60.9,
        "infrastructureScore": 0.0,
        "infrastructureScoreMax": 0.0,
    },
]
"""Per-category comparison entries in the live shape (values made up for the sim)."""
