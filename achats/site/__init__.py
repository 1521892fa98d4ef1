"""The only MkDocs-aware code: per-build state, generated File objects, serve watching.

The hooks in ``hooks/`` call these functions; each says when MkDocs calls it.
"""

from achats.site.build import (hand_over_check, hand_over_target, on_build_error, on_config, on_env,
                    on_files, on_nav, on_page_content, on_page_markdown, on_post_build,
                    on_post_page, on_serve, on_startup, state_of)

__all__ = ["hand_over_check", "hand_over_target", "on_build_error", "on_config", "on_env",
           "on_files", "on_nav", "on_page_content", "on_page_markdown", "on_post_build",
           "on_post_page", "on_serve", "on_startup", "state_of"]
