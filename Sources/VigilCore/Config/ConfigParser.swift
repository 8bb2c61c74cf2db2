import TOMLKit

/// Turns the text of a `vigil.toml` into a `VigilConfig`, or into every problem that stops it from being one.
///
/// The schema:
///
/// ```toml
/// [daemon]
/// log_level = "info"            # debug | info | notice | warning | error
/// log_target = "auto"           # auto | journal | stderr
///
/// [[target]]
/// name = "web"                  # required; A-Z a-z 0-9 _ . @ -, at most 64, unique
/// kind = "process"
/// exec = ["/usr/bin/web", "--port", "8080"]   # required
/// env = { PORT = "8080" }
/// cwd = "/srv/web"              # absolute
/// user = "www-data"
/// group = "www-data"
/// stop_signal = "TERM"          # name, SIG-name or number
/// stop_timeout = "10s"
///
/// [target.restart]              # or restart = { … } inside the [[target]]
/// mode = "always"               # always | on-failure | never
/// backoff = "100ms..30s"
/// burst = 5
/// within = "60s"
/// stable_after = "60s"
/// start_grace = "1s"
/// ```
///
/// Unknown keys are errors, so a typo cannot silently leave a setting at its default. Durations are strings with
/// units (`"250ms"`, `"1m30s"`; `"0"` alone is allowed). Checks that need the file system or the user database are
/// not done here.
public enum ConfigParser {
    /// The `key` of a problem that is about the TOML syntax rather than a setting.
    public static let syntaxKey = "syntax"

    /// Parses and validates a configuration.
    ///
    /// - Parameters:
    ///   - text: The whole file.
    ///   - file: The file's path as the operator gave it; only used to name it in the error.
    /// - Returns: The configuration, with defaults filled in.
    /// - Throws: `ConfigError` listing every problem found, ordered by line. A TOML syntax error is reported alone
    ///   (key `syntax`, at the line the TOML parser gives), since nothing after it can be trusted.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> VigilConfig {
        let parsed = parseAll(text)
        guard parsed.problems.isEmpty else {
            throw ConfigError(file: file, problems: parsed.problems)
        }
        return parsed.config
    }

    /// Whether `text` has no TOML in it: only whitespace and `#` comments.
    static func isBlank(_ text: String) -> Bool {
        text.split(whereSeparator: \.isNewline).allSatisfy { line in
            let content = line.drop { $0 == " " || $0 == "\t" }
            return content.isEmpty || content.hasPrefix("#")
        }
    }

    /// Parses as much of a configuration as is valid and lists every problem, so that a caller can check what did
    /// parse against the host and report all problems of the file at once.
    /// - Parameter text: The whole file.
    public static func parseAll(_ text: String) -> ParsedConfig {
        let sourceMap = ConfigSourceMap(text: text)
        let root: TOMLTable
        if Self.isBlank(text) {
            // A truncated write (an editor, configuration management) reloaded would stop every target on the host.
            let message =
                "the file is empty (nothing but blanks and comments): vigild would supervise nothing; write a "
                + "[daemon] table to run without targets deliberately"
            let problem = ConfigProblem(line: nil, key: "file", message: message)
            return ParsedConfig(config: VigilConfig(), entries: [], problems: [problem], sourceMap: sourceMap)
        }
        if let problem = TOMLPreflight.problem(in: text) {
            return ParsedConfig(config: VigilConfig(), entries: [], problems: [problem], sourceMap: sourceMap)
        }
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            let begin = error.source.begin
            let message = "invalid TOML at column \(begin.column): \(error.description)"
            let problem = ConfigProblem(line: begin.line, key: syntaxKey, message: message)
            return ParsedConfig(config: VigilConfig(), entries: [], problems: [problem], sourceMap: sourceMap)
        } catch {
            let problem = ConfigProblem(line: nil, key: syntaxKey, message: "invalid TOML: \(error)")
            return ParsedConfig(config: VigilConfig(), entries: [], problems: [problem], sourceMap: sourceMap)
        }
        // TOMLKit never frees a parsed document (its tables have no deinit), so every reload would keep the whole
        // tree, about ten times the file's size. Clearing the root frees every node under it once all values have
        // been copied out; what stays is the empty root and the C strings TOMLKit's accessors duplicate and never
        // free (about four times the file's size; ConfigParserMemoryTests).
        defer { root.clear() }

        var problems: [ConfigProblem] = []
        let reader = ConfigTableReader(table: root, name: "", path: [], sourceMap: sourceMap)
        reader.checkKeys(known: ["daemon", "target", "host", "cluster"], problems: &problems)
        var daemon = DaemonConfig()
        if let daemonReader = reader.table("daemon", problems: &problems) {
            daemon = parseDaemon(daemonReader, problems: &problems)
        }
        let targets = parseTargets(reader, problems: &problems)
        checkStandbys(targets, sourceMap: sourceMap, problems: &problems)
        checkFollows(targets, sourceMap: sourceMap, problems: &problems)
        var host = HostConfig()
        if let hostReader = reader.table("host", problems: &problems) {
            host = parseHost(hostReader, problems: &problems)
        }
        var cluster: ClusterConfig?
        let clusterReader = reader.table("cluster", problems: &problems)
        if let clusterReader {
            cluster = parseCluster(clusterReader, problems: &problems)
        }
        checkClusterTargets(
            targets,
            cluster: cluster,
            clusterPresent: clusterReader != nil,
            sourceMap: sourceMap,
            problems: &problems
        )
        checkClusterPlacement(targets, sourceMap: sourceMap, problems: &problems)
        return ParsedConfig(
            config: VigilConfig(daemon: daemon, targets: targets.map(\.target), host: host, cluster: cluster),
            entries: targets.map(\.index),
            problems: ConfigProblem.inLineOrder(problems),
            sourceMap: sourceMap
        )
    }

    static func parseDaemon(_ reader: ConfigTableReader, problems: inout [ConfigProblem]) -> DaemonConfig {
        reader.checkKeys(
            known: [
                "log_level", "log_target", "runtime_dir", "heartbeat_listen", "control_socket", "control_admin_group",
                "control_read_group", "metrics_listen", "metrics_textfile", "tick", "state_dir", "systemd_bus",
                "systemd_dropins", "concurrent_recoveries",
            ],
            problems: &problems
        )
        var daemon = DaemonConfig()
        if let level: LogLevel = reader.choice("log_level", what: "log level", problems: &problems) {
            daemon.logLevel = level
        }
        if let target: LogTarget = reader.choice("log_target", what: "log target", problems: &problems) {
            daemon.logTarget = target
        }
        if let directory = reader.nonEmptyString("runtime_dir", problems: &problems) {
            if directory.hasPrefix("/") {
                daemon.runtimeDirectory = directory
            } else {
                let message = "must be an absolute path, found \(ConfigTableReader.quoted(directory))"
                problems.append(reader.problem("runtime_dir", message))
            }
        }
        for key in ["state_dir", "systemd_dropins"] {
            guard let directory = reader.nonEmptyString(key, problems: &problems) else { continue }
            if !directory.hasPrefix("/") {
                let message = "must be an absolute path, found \(ConfigTableReader.quoted(directory))"
                problems.append(reader.problem(key, message))
            } else if key == "state_dir" {
                daemon.stateDirectory = directory
            } else {
                daemon.systemdDropInDirectory = directory
            }
        }
        daemon.systemdBus = reader.nonEmptyString("systemd_bus", problems: &problems)
        for key in ["control_socket", "metrics_textfile"] {
            guard let path = reader.nonEmptyString(key, problems: &problems) else { continue }
            if !path.hasPrefix("/") {
                problems.append(
                    reader.problem(key, "must be an absolute path, found \(ConfigTableReader.quoted(path))")
                )
            } else if key == "control_socket" {
                daemon.controlSocket = path
            } else {
                daemon.metricsTextfile = path
            }
        }
        daemon.controlAdminGroup = reader.nonEmptyString("control_admin_group", problems: &problems)
        daemon.controlReadGroup = reader.nonEmptyString("control_read_group", problems: &problems)
        if let listen = reader.nonEmptyString("metrics_listen", problems: &problems) {
            do {
                _ = try MetricsListenAddress(parsing: listen)
                daemon.metricsListen = listen
            } catch {
                problems.append(reader.problem("metrics_listen", "\(error)"))
            }
        }
        if let tick = reader.duration("tick", problems: &problems) {
            if tick < .milliseconds(100) || tick > .seconds(60) {
                problems.append(reader.problem("tick", "must be between 100ms and 60s, found \(tick.humanReadable)"))
            } else {
                daemon.tick = tick
            }
        }
        if let limit = reader.integer("concurrent_recoveries", problems: &problems) {
            if (1...1000).contains(limit) {
                daemon.concurrentRecoveries = limit
            } else {
                problems.append(reader.problem("concurrent_recoveries", "must be between 1 and 1000, found \(limit)"))
            }
        }
        if let listen = reader.value("heartbeat_listen") {
            let strings = listen.array?.compactMap(\.string)
            if let strings, strings.count == listen.array?.count {
                daemon.heartbeatListen = strings
            } else {
                problems.append(reader.mismatch("heartbeat_listen", expected: "an array of strings", found: listen))
            }
        }
        return daemon
    }
}
