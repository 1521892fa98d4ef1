"""Tests in Debian's Chromium (a package, so that its fixtures end with it)."""
