"""Who to contact for each service, when they are open, and which FAQ answers a generic question."""
