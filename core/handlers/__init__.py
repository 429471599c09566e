"""Request handlers by concern, behind one routing table (:mod:`core.handlers.router`).

- ``tickets``: the ticket form, lists, one ticket
- ``connections``: connect, status, configuration, state names, disconnect
- ``subscriptions``: a channel's notifications
- ``recommendations``: Secure Score improvement actions and a team's own
- ``notifications``: parked deliveries sent again
- ``home``: help and the home cards
"""
