extension ConfigParser {
    /// `[cluster]`'s watchdog keys.
    static let clusterWatchdogKeys = ["watchdog", "watchdog_timeout"]

    /// `watchdog` (an absolute path) and `watchdog_timeout` (whole seconds, at most the lease TTL less one second).
    /// - Returns: false when a key is invalid (its problem is listed).
    static func parseClusterWatchdog(
        _ reader: ConfigTableReader,
        into config: inout ClusterConfig,
        problems: inout [ConfigProblem]
    ) -> Bool {
        var valid = true
        if let path = reader.string("watchdog", problems: &problems) {
            if path.hasPrefix("/"), path.count > 1 {
                config.watchdog = path
            } else {
                let message =
                    "must be an absolute path (e.g. \"/dev/watchdog\"), found \(ConfigTableReader.quoted(path))"
                problems.append(reader.problem("watchdog", message))
                valid = false
            }
        } else if reader.value("watchdog") != nil {
            valid = false
        }
        if let timeout = reader.duration("watchdog_timeout", problems: &problems) {
            let longest = ClusterConfig.longestWatchdogTimeout(leaseTTL: config.leaseTTL)
            if timeout.nanoseconds % 1_000_000_000 != 0 || timeout < .seconds(1) {
                let message = "watchdog devices count in whole seconds (at least 1s), found \(timeout.humanReadable)"
                problems.append(reader.problem("watchdog_timeout", message))
                valid = false
            } else if timeout > longest {
                let message =
                    "must be at most lease_ttl less 1s (\(longest.humanReadable)), found \(timeout.humanReadable): "
                    + "the device is fed only while it would fire before the lease deadline"
                problems.append(reader.problem("watchdog_timeout", message))
                valid = false
            } else {
                config.watchdogTimeoutSetting = timeout
            }
            if reader.value("watchdog") == nil {
                problems.append(reader.problem("watchdog_timeout", "needs `watchdog` (the device's path)"))
                valid = false
            }
        } else if reader.value("watchdog_timeout") != nil {
            valid = false
        }
        return valid
    }
}
