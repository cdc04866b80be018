"""A WeChat Pay API simulator for tests, the demo and operators: never for real money."""

from backend.wechatsim.app import SimulatorFaults, running_simulator, simulator_app
from backend.wechatsim.ledger import Ledger, LedgerError, PaymentAttempt, SimTrade

__all__ = [
    "Ledger",
    "LedgerError",
    "PaymentAttempt",
    "SimTrade",
    "SimulatorFaults",
    "running_simulator",
    "simulator_app",
]
