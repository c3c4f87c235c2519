"""The sandbox supplier: a local stand-in for the supplier API, with scenario SKUs."""
