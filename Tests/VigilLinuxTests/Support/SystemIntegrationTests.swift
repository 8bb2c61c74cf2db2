import Testing

/// Suites that change this process's environment (`setenv`) or spawn processes (which read it) nest in here and
/// run one at a time: `setenv` is not safe against a concurrent reader, and at most one test may start a journald.
@Suite(.serialized) enum SystemIntegrationTests {}
