"""Blueprints that mirror the URL tree."""
