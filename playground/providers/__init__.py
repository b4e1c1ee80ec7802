"""Adapters over the official SDKs, behind one small protocol."""
