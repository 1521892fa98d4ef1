"""MkDocs hooks of « Achats durables »: the events of achats.site, under their MkDocs names.

MkDocs loads this module once per process (it survives `serve` rebuilds), so it keeps no
state: achats.site keeps each build's state on the build's config.
"""

from achats.site import (  # noqa: F401 (MkDocs finds the events by name in this module)
    on_build_error, on_config, on_env, on_files, on_nav, on_page_content, on_page_markdown,
    on_post_build, on_post_page, on_serve, on_startup)
