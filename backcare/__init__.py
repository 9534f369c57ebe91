"""backcare: a private, local companion for a home exercise programme for low back pain."""

__version__ = "0.1.0"
