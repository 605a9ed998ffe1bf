"""Appendix B of the wire spec (/work/shared/apolo-apps-api.md), copied verbatim.

These are the requests the real apolo-sdk 26.9.0 sent to a recording server, in order. The suite
replays the same calls with the same arguments and compares what the emulator recorded with
these rows. Defaults there: cluster `default`, org `superorg`, project `alpha`; the app under
test is PROBE_ID (in `test3` for the configure rows); `b` is a second app id.
"""

PROBE_ID = "704285b2-aab1-4b0a-b8ff-bfbeb37f89e4"

# number -> (method, "path?query", JSON body text or None)
ROWS = {
    1: ('GET', '/api/v1/config', None),
    2: (
        'GET',
        '/apis/apps/v2/instances?cluster=default&org=superorg&project=alpha&page=1&states=queued&states=progressing&states=healthy&states=degraded&states=errored&states=uninstalling',
        None,
    ),
    3: (
        'GET',
        '/apis/apps/v2/instances?cluster=default&org=superorg&project=alpha&page=2&states=queued&states=progressing&states=healthy&states=degraded&states=errored&states=uninstalling',
        None,
    ),
    4: ('GET', '/apis/apps/v2/instances?cluster=default&org=superorg&project=alpha&page=1', None),
    5: ('GET', '/apis/apps/v2/instances?cluster=default&org=superorg&project=alpha&page=2', None),
    6: (
        'GET',
        '/apis/apps/v2/instances/upgrades?id=704285b2-aab1-4b0a-b8ff-bfbeb37f89e4&id=b',
        None,
    ),
    7: ('GET', '/apis/apps/v2/instances/704285b2-aab1-4b0a-b8ff-bfbeb37f89e4', None),
    8: (
        'POST',
        '/apis/apps/v1/cluster/default/org/superorg/project/alpha/instances',
        '{"template_name": "shell", "template_version": "latest", "input": {}}',
    ),
    9: ('GET', '/apis/apps/v2/instances/704285b2-aab1-4b0a-b8ff-bfbeb37f89e4', None),
    10: (
        'PUT',
        '/apis/apps/v1/cluster/default/org/superorg/project/test3/instances/704285b2-aab1-4b0a-b8ff-bfbeb37f89e4',
        '{"display_name": "x", "input": {"preset": {"name": "cpu"}}, "comment": "c"}',
    ),
    11: ('GET', '/apis/apps/v2/instances/704285b2-aab1-4b0a-b8ff-bfbeb37f89e4', None),
    12: (
        'GET',
        '/apis/apps/v1/cluster/default/org/superorg/project/test3/templates/shell/v25.6.0',
        None,
    ),
    13: (
        'PUT',
        '/apis/apps/v1/cluster/default/org/superorg/project/test3/instances/704285b2-aab1-4b0a-b8ff-bfbeb37f89e4',
        '{"input": {"preset": {"name": "cpu"}}, "template_version": "v25.6.0"}',
    ),
    14: (
        'DELETE',
        '/apis/apps/v1/cluster/default/org/superorg/project/alpha/instances/704285b2-aab1-4b0a-b8ff-bfbeb37f89e4',
        None,
    ),
    15: (
        'DELETE',
        '/apis/apps/v1/cluster/default/org/superorg/project/alpha/instances/704285b2-aab1-4b0a-b8ff-bfbeb37f89e4?force=true',
        None,
    ),
    16: (
        'GET',
        '/apis/apps/v1/cluster/default/org/superorg/project/alpha/instances/values?type=RestAPI',
        None,
    ),
    17: (
        'GET',
        '/apis/apps/v1/cluster/default/org/superorg/project/alpha/instances/704285b2-aab1-4b0a-b8ff-bfbeb37f89e4/values',
        None,
    ),
    18: ('GET', '/apis/apps/v1/cluster/default/org/superorg/project/alpha/templates', None),
    19: ('GET', '/apis/apps/v1/cluster/default/org/superorg/project/alpha/templates/shell', None),
    20: (
        'GET',
        '/apis/apps/v1/cluster/default/org/superorg/project/alpha/templates/shell/latest',
        None,
    ),
    21: (
        'GET',
        '/apis/apps/v1/cluster/default/org/superorg/project/alpha/instances/704285b2-aab1-4b0a-b8ff-bfbeb37f89e4/output',
        None,
    ),
    22: (
        'GET',
        '/api/v1/apps/704285b2-aab1-4b0a-b8ff-bfbeb37f89e4/log_ws?since=2025-05-07T11:00:00%2B00:00&timestamps=true',
        None,
    ),
    23: (
        'GET',
        '/apis/apps/v1/cluster/default/org/superorg/project/alpha/instances/704285b2-aab1-4b0a-b8ff-bfbeb37f89e4/events',
        None,
    ),
    24: (
        'GET',
        '/apis/apps/v1/cluster/default/org/superorg/project/alpha/instances/704285b2-aab1-4b0a-b8ff-bfbeb37f89e4/events?page=2',
        None,
    ),
    25: ('GET', '/apis/apps/v2/instances/704285b2-aab1-4b0a-b8ff-bfbeb37f89e4/revisions', None),
    26: (
        'POST',
        '/apis/apps/v1/cluster/default/org/superorg/project/alpha/instances/704285b2-aab1-4b0a-b8ff-bfbeb37f89e4/revisions/1/rollback',
        '{}',
    ),
    27: (
        'POST',
        '/apis/apps/v1/cluster/default/org/superorg/project/alpha/instances/704285b2-aab1-4b0a-b8ff-bfbeb37f89e4/revisions/1/rollback',
        '{"comment": "back"}',
    ),
    28: (
        'GET',
        '/apis/apps/v1/cluster/default/org/superorg/project/alpha/instances/704285b2-aab1-4b0a-b8ff-bfbeb37f89e4/input',
        None,
    ),
    29: (
        'GET',
        '/apis/apps/v1/cluster/default/org/superorg/project/alpha/instances/704285b2-aab1-4b0a-b8ff-bfbeb37f89e4/revisions/1/input',
        None,
    ),
}
