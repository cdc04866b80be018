"""The store's exceptions, with messages the person who sent the input can act on."""


class StoreError(Exception):
    """Something the database layer refused or could not do."""


class InvalidInput(StoreError):
    """Input a store function refuses; the message says what to fix."""


class InvalidOrder(InvalidInput):
    """An order submission or an order change with bad input; nothing was written."""
