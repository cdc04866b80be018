"""Reconciliation with WeChat Pay: paid orders found without their notification, unpaid closed."""

from backend.reconcile.reconciler import Reconciler, ReconcilerState, RunReport, instance_name
from backend.reconcile.schedule import Schedule

__all__ = ["Reconciler", "ReconcilerState", "RunReport", "Schedule", "instance_name"]
