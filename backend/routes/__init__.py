"""Thin HTTP and WebSocket handlers: parse, call the store, answer."""
