"""Qt widgets that render the alert board's state and forward staff's clicks as signals."""
