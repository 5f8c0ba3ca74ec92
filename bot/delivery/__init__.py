"""Delivery: the router (which targets an event goes to), the dispatcher (outbox → channel), the
channel protocol and its registry, and the console channel."""
