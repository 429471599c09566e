"""Microsoft Graph Secure Score: the client, its errors, and the wire → model mapping."""
