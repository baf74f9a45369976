"""What can go wrong when someone acts on a case, as the one door (cases/service.py) reports it: each is answered the
same way everywhere (web/errors.py, cli/common.py)."""


class CaseNotFound(Exception):
    """No case (or no interview for it) with that id."""


class ActionRejected(Exception):
    """The case refused the action; the message says why (unknown task, wrong person, already done...).

    ``code`` and ``params`` name the refusal (models/refusals.py) for callers that word it themselves, such as
    the pages in the reader's language; ``code`` is empty for a refusal that has none."""

    def __init__(self, reason: str) -> None:
        super().__init__(str(reason))
        self.code: str = getattr(reason, "code", "")
        self.params: dict[str, str] = dict(getattr(reason, "params", {}))


class CaseUnavailable(Exception):
    """The case's workflow cannot be reached or did not answer its query in time; try again in a moment."""


class CaseDidNotAnswer(Exception):
    """An action was sent but its answer did not come in time: it may still be applied."""
