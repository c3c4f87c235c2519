"""Plain helper modules shared by tests (imported, never fixtures from conftest)."""
