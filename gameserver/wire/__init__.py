"""The protocol edge, pure: a frame in, a typed request out (`requests`); errors with stable
codes (`errors`)."""
