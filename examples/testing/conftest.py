pytest_plugins = ["plivo_media_provider.pytest_plugin"]
