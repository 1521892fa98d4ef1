"""MkDocs hooks of « Achats durables »: thin adapters over achats.site.

MkDocs loads this module once per process (it survives `serve` rebuilds), so it keeps no
state: each event delegates to achats.site, which keeps its state on the build's config.
"""

from achats import site


def on_startup(command, dirty):
    site.on_startup(command, dirty)


def on_config(config):
    return site.on_config(config)


def on_files(files, config):
    return site.on_files(files, config)


def on_nav(nav, config, files):
    return site.on_nav(nav, config, files)


def on_env(env, config, files):
    return site.on_env(env, config, files)


def on_build_error(error):
    site.on_build_error(error)


def on_page_markdown(markdown, page, config, files):
    return site.on_page_markdown(markdown, page, config, files)


def on_page_content(html, page, config, files):
    return site.on_page_content(html, page, config, files)


def on_post_page(output, page, config):
    return site.on_post_page(output, page, config)


def on_serve(server, config, builder):
    return site.on_serve(server, config, builder)


def on_post_build(config):
    site.on_post_build(config)
