"""Tests of the client, the http layer and the wire reply models."""
