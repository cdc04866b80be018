"""The servers OrderBell is compared with: tiny, and run by the same harness in the same run."""
