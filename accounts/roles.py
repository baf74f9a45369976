"""The roles an account holds, as the rest of the code reads them."""

from models.accounts import AccountRole
from models.tables import Account


def roles_of(account: Account) -> frozenset[AccountRole]:
    """Its roles; a role stored by a later version that this one does not know is left out."""
    return frozenset(AccountRole(role) for role in account.roles if role in AccountRole.__members__.values())
