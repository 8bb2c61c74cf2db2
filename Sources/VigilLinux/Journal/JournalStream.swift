import CSystemd

/// Connects a supervised child's stdout or stderr to the journal, under the child's own `SYSLOG_IDENTIFIER`.
public enum JournalStream {
    /// Opens a stream connection to journald (`sd_journal_stream_fd`): every line written to the returned
    /// descriptor becomes one journal entry.
    ///
    /// The descriptor is the caller's to close. libsystemd opens it close-on-exec, so no other child inherits it by
    /// accident; the spawner `dup2`s it onto the child's fd 1 or 2 (which clears the flag on the copy) and closes
    /// the parent's copy once the child runs.
    ///
    /// - Parameters:
    ///   - identifier: The `SYSLOG_IDENTIFIER` of the entries, e.g. the target's name.
    ///   - priority: The syslog priority of lines without a prefix, e.g. 6 for stdout and 3 for stderr.
    ///   - levelPrefix: Whether a line starting with `<N>` sets its own priority, as systemd does for services
    ///     by default (`SyslogLevelPrefix=yes`).
    /// - Returns: The descriptor, or `nil` when there is no journal to connect to.
    public static func openStream(identifier: String, priority: Int32, levelPrefix: Bool = true) -> Int32? {
        try? valueOrNegatedErrno("sd_journal_stream_fd", identifier) {
            sd_journal_stream_fd(identifier, priority, levelPrefix ? 1 : 0)
        }
    }
}
