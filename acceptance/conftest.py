"""pytest configuration for the acceptance tests: loads the harness fixtures.

pytest puts this folder on ``sys.path`` (it holds the rootdir's
``pytest.ini``), which makes ``harness`` importable from the tests.
"""

# pytester runs a nested session to prove the leak check fails it.
pytest_plugins = ["harness.fixtures", "pytester"]
