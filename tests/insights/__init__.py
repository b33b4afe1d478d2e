"""Tests of cxpulse.insights."""
