"""Tandem: performance learning management, API first."""
