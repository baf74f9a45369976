"""`offboarding demo`: fill an empty installation with a Dutch demo organisation, then print who signs in how."""


def demo() -> None:
    """Fill an EMPTY installation with a demo organisation: an account per role, a dozen departures in every state
    (mails in the mailbox) and a report under review. Needs the running product (`make run`): Temporal and a worker.

    Exit codes: 0 filled; 1 Temporal, the database or a worker unreachable; 5 the installation already has cases.
    """
    # The demo's code (accounts, reports, the organisation's store) is loaded for this command only: every other
    # command starts that much sooner.
    from cli import demo_run

    demo_run.main()
