"""The wkapi test suite: behaviour is tested against the fake server over real sockets on 127.0.0.1.

One folder per area: ``core/`` (``wkapi/_*.py``: session, auth, limits, retries, errors,
pagination, config), ``models/``, ``resources/``, ``jobs/`` (bulk task creation), ``export/``
(``wkapi.jobs.export``), ``transfer/`` (downloads, uploads, file names), ``cli/``, ``testing/``
(the fake server itself) and ``reliability/`` (the fault matrix, fuzzing, hostile input, secrets,
the soak: end to end through the public client). A file is named for the module or behaviour it
tests, without its folder's name: ``resources/test_tasks.py`` tests ``wkapi/resources/tasks.py``.

Fixtures live only in ``conftest.py`` files, plain helpers in each folder's ``helpers.py``; a
module imports helpers, never a conftest or a test module (``test_layout.py`` checks all three). A
large data table has a module of its own (``models/samples.py``,
``reliability/fault_matrix_cases.py``, ``resources/route_table.py``). Suite-wide: ``conftest.py``
(``make_session``, ``serve``, ``readme_stage``, the Hypothesis profile) and ``helpers.py``.
Clients in tests retry with ``wkapi.RetryPolicy.for_tests()`` unless a test is about the policy
itself.
"""
