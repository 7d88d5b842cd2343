"""Faithful simulators of the outside services, served on loopback. They never import ``diancan``."""
