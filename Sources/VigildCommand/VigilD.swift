import ArgumentParser
import CLinux
import Dispatch
import Logging
import VigilCore
import VigilDaemon
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

/// vigild's command line, shared by the two executables: `vigild` (no cluster mode linked) and `vigild-cluster`
/// (with it). Each calls `main(clusterAuthority:)`.
public struct VigilD: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "vigild",
        abstract: "The Vigil supervisor daemon: keeps the targets in its configuration running.",
        discussion: """
            Runs in the foreground. Under systemd (Type=notify) it reports READY, STATUS, RELOADING, STOPPING and \
            watchdog pings. SIGHUP reloads the configuration; SIGTERM or SIGINT stops every target and exits.
            """,
        version: VigilVersion.string
    )

    @Option(name: [.short, .long], help: ArgumentHelp("The configuration file.", valueName: "FILE"))
    var config = "/etc/vigil/vigil.toml"

    @Option(
        name: .customLong("check-config"),
        help: ArgumentHelp("Validate FILE, print every problem and exit 1, or a summary and exit 0.", valueName: "FILE")
    )
    var checkConfig: String?

    @Option(help: ArgumentHelp("Override [daemon] log_target: auto, journal or stderr.", valueName: "TARGET"))
    var logTarget: LogTarget?

    public init() {}

    /// Parses the arguments and runs vigild; exits when done.
    ///
    /// - Parameter clusterAuthority: cluster mode (`vigild-cluster`'s); nil for plain `vigild`, which execs
    ///   `vigild-cluster` in its place when the configuration has `[cluster]`.
    public static func main(clusterAuthority: ClusterAuthorityFactory?) -> Never {
        do {
            let command = try parse()
            try command.run(clusterAuthority: clusterAuthority)
            exit()
        } catch {
            exit(withError: error)
        }
    }

    public func run() throws {
        try run(clusterAuthority: nil)
    }

    func run(clusterAuthority: ClusterAuthorityFactory?) throws {
        // A peer that hangs up (a control client, a metrics scraper, journald, whoever reads stderr) makes a write
        // fail with EPIPE, which every writer handles; the default SIGPIPE would kill vigild and supervision with it.
        // systemd sets this for its services (IgnoreSIGPIPE=yes); vigild also runs by hand and under other inits.
        // Children start with the default disposition again: the spawner resets every signal.
        signal(SIGPIPE, SIG_IGN)
        // One malloc arena: vigild's threads are few and mostly idle, and the engine thread reusing what the
        // configuration parse freed on the main thread (instead of a second arena) saves ~3.5 MB at 1000 targets.
        _ = vigil_malloc_single_arena()
        if let file = checkConfig {
            let report = ConfigCheck.run(path: file)
            report.emit()
            throw ExitCode(report.isValid ? 0 : 1)
        }
        let loaded: LoadedConfig
        do {
            loaded = try ConfigLoader.load(path: config)
        } catch {
            ConfigCheck.Report(isValid: false, lines: error.lines, warnings: error.warningLines).emit()
            LineWriter.standardError.write(
                "vigild: not starting: the configuration has \(error.problems.count) problem(s)\n"
            )
            throw ExitCode(1)
        }
        if loaded.config.cluster != nil, clusterAuthority == nil {
            // Cluster mode runs in vigild-cluster; this one has no etcd client. Nothing was started yet.
            let problem = ClusterExecutable.exec(arguments: CommandLine.arguments)
            LineWriter.standardError.write("vigild: not starting: \(problem)\n")
            throw ExitCode(1)
        }
        // Decided once: vigild's own entries and its targets' output go to the same place.
        let journal = LogBackend.usesJournal(logTarget ?? loaded.config.daemon.logTarget)
        let level = LogBackend.logLevel(loaded.config.daemon.logLevel)
        LoggingSystem.bootstrap { label in
            LogBackend.makeHandler(label: label, target: journal ? .journal : .stderr, level: level)
        }
        var logger = Logger(label: "vigild")
        logger.logLevel = level
        logger.info("vigild \(VigilVersion.string) starting with \(config): \(loaded.config.targets.count) targets")
        for line in loaded.warningLines {
            logger.warning("\(line)")
        }
        let path = config
        let engine = Engine(
            config: loaded,
            loader: { () throws(ConfigError) in try ConfigLoader.load(path: path) },
            notifier: Notifier(),
            logger: logger,
            targetOutputToJournal: journal,
            clusterAuthority: clusterAuthority,
            onFinished: { @Sendable code in Glibc.exit(code) }
        )
        engine.start()
        dispatchMain()
    }
}

extension LogTarget: ExpressibleByArgument {}
