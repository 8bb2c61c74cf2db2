import Dispatch
import Foundation
import Logging
import Testing
import VigilClusterDaemon
import VigilCore
import VigilLinux

@testable import VigilDaemon

/// What the fake drivers of one in-process engine did and what runs, shared by the test and the engine queue.
///
/// `@unchecked Sendable`: written on the engine queue only; the test reads it through `EngineHarness.onQueue`.
final class FakeWorld: @unchecked Sendable {
    /// Every driver operation, in order: `start a`, `signal a SIGTERM`.
    var log: [String] = []
    /// Targets whose instance runs, with its PID.
    var running: [String: Int32] = [:]
    /// Targets whose start fails.
    var failsToStart: Set<String> = []
    /// Every PID ever started, by target, to tell instances apart.
    var started: [String: [Int32]] = [:]
    /// Instances running from before a (simulated) restart of vigild, by target: found and adopted, never started.
    var leftovers: [String: Int32] = [:]
    /// Leftovers found only this long after their start was asked for (a domain is adopted once libvirt answered).
    var slowAdoptions: [String: Duration] = [:]
    private var nextPID: Int32 = 1000

    func pid() -> Int32 {
        nextPID += 1
        return nextPID
    }
}

/// A driver with nothing real behind it: `start` makes an instance one scheduler turn later, a signal ends it one
/// turn later, and the test crashes instances by hand. Everything it does is logged in the world.
final class FakeDriver: TargetDriver {
    weak var supervisor: TargetSupervisor!
    let world: FakeWorld
    private var pid: Int32?

    init(world: FakeWorld) {
        self.world = world
    }

    var hasInstance: Bool { pid != nil }
    var holdsProcess: Bool { pid != nil }
    var stopsWithVigild: Bool { true }

    func prepareAdoption(restored: PersistedTargetState?) -> Bool {
        world.leftovers[name] != nil
    }

    func start() {
        if let found = world.leftovers.removeValue(forKey: name) {
            world.log.append("adopt \(name)")
            if let delay = world.slowAdoptions[name] {
                let name = self.name
                let report = ActuatorReport(pid: found, alreadyThere: true)
                engine.scheduler.after(delay, on: engine.queue) { @Sendable [weak engine] in
                    engine?.handle(.target(name, .driver(.spawnEnded(.succeeded(report)))))
                }
                return
            }
            pid = found
            world.running[name] = found
            supervisor.instanceStarted(pid: found, at: engine.now, adopted: true)
            return
        }
        world.log.append("start \(name)")
        let name = self.name
        engine.scheduler.after(.zero, on: engine.queue) { @Sendable [weak engine] in
            engine?.handle(.target(name, .driver(.spawnEnded(.succeeded(ActuatorReport())))))
        }
    }

    func signal(_ signal: VigilCore.Signal) {
        world.log.append("signal \(name) \(signal)")
        guard let pid else { return }
        let name = self.name
        engine.scheduler.after(.zero, on: engine.queue) { @Sendable [weak engine] in
            engine?.handle(.target(name, .driver(.adoptedExited(pid: pid, at: .zero))))
        }
    }

    func handle(_ event: DriverEvent) {
        switch event {
        case .spawnEnded(let outcome):
            guard supervisor.isSpawning else { return }
            if let report = outcome.report, report.alreadyThere, let found = report.pid {
                pid = found
                world.running[name] = found
                supervisor.instanceStarted(pid: found, at: engine.now, adopted: true)
                return
            }
            guard !world.failsToStart.contains(name) else {
                supervisor.startFailed("the test said so")
                return
            }
            let pid = world.pid()
            self.pid = pid
            world.running[name] = pid
            world.started[name, default: []].append(pid)
            supervisor.instanceStarted(pid: pid, at: engine.now)
        case .adoptedExited(let pid, _):
            end(pid: pid, status: VigilCore.ExitStatus.killed(signal: VigilCore.Signal.term, coreDumped: false))
        default:
            break
        }
    }

    /// The instance dies on its own with `status`.
    func crash(status: VigilCore.ExitStatus = .exited(code: 1)) {
        guard let pid else { return }
        end(pid: pid, status: status)
    }

    private func end(pid: Int32, status: VigilCore.ExitStatus) {
        guard self.pid == pid else { return }
        self.pid = nil
        world.running[name] = nil
        world.log.append("ended \(name)")
        supervisor.instanceEnded(pid: pid, status: status, at: engine.now)
    }

    func close(removed: Bool) {
        world.log.append("close \(name)\(removed ? " removed" : "")")
    }
}

/// An engine in the test process: the real engine, its subsystems and state machines, with fake drivers, a manual
/// clock and its state file and control socket in a temporary directory.
final class EngineHarness: @unchecked Sendable {
    let engine: Engine
    let clock: ManualScheduler
    let world: FakeWorld
    let directory: String

    /// - Parameters:
    ///   - config: the targets (and any other tables) in TOML; `[daemon]` is added.
    ///   - daemon: more lines for `[daemon]`.
    ///   - world: what the fake drivers share (a new one, or one carried over a simulated restart of vigild).
    ///   - directory: where the state file and control socket go (kept across a simulated restart).
    init(config: String, daemon: String = "", world: FakeWorld = FakeWorld(), directory: String? = nil) throws {
        let directory = try directory ?? Self.makeDirectory()
        self.directory = directory
        self.daemonExtra = daemon
        self.world = world
        let clock = ManualScheduler()
        self.clock = clock
        let text = Self.daemonTable(directory) + "\n" + daemon + "\n" + config
        let loaded = try Self.load(text)
        var logger = Logger(label: "vigild-test") { _ in SwiftLogNoOpLogHandler() }
        logger.logLevel = .critical
        let reloadText = ReloadText()
        self.reloadText = reloadText
        reloadText.text = text
        engine = Engine(
            config: loaded,
            loader: { () throws(ConfigError) in try Self.load(reloadText.text) },
            notifier: Notifier(),
            logger: logger,
            seed: 42,
            targetOutputToJournal: false,
            scheduler: clock,
            drivers: DriverRegistry { _, _, _ in FakeDriver(world: world) },
            handlesSignals: false,
            clusterAuthority: ClusterMode.authority,
            onFinished: { _ in }
        )
    }

    private let reloadText: ReloadText
    private let daemonExtra: String

    /// Starts the engine and lets what is due at once happen.
    func start() {
        engine.start()
        engine.queue.sync {}
        clock.runDue()
    }

    /// Moves the clock, firing what falls due on the way.
    func advance(_ duration: Duration) {
        clock.advance(by: duration)
    }

    /// Runs `body` on the engine queue and returns its result.
    func onQueue<T>(_ body: @Sendable (Engine) -> T) -> T {
        engine.queue.sync { body(engine) }
    }

    func driver(_ name: String) -> FakeDriver? {
        onQueue { engine in UncheckedDriver(engine.targets[name]?.driver as? FakeDriver) }.driver
    }

    /// Crashes `name`'s instance and lets what follows at once happen.
    func crash(_ name: String, status: VigilCore.ExitStatus = .exited(code: 1)) {
        engine.queue.sync {
            (engine.targets[name]?.driver as? FakeDriver)?.crash(status: status)
            engine.afterChange()
        }
        clock.runDue()
    }

    /// Reloads with new target tables.
    func reload(config: String) -> Result<ConfigDiff, ConfigError> {
        reloadText.text = Self.daemonTable(directory) + "\n" + daemonExtra + "\n" + config
        let result = onQueue { UncheckedResult($0.reload()) }.result
        clock.runDue()
        return result
    }

    /// The events recorded so far, of `kind` (and `target`), oldest first.
    func events(_ kind: EventKind? = nil, target: String? = nil) -> [EventRecord] {
        onQueue { engine in
            engine.events.history.filter {
                (kind == nil || $0.event == kind!.rawValue) && (target == nil || $0.target == target)
            }
        }
    }

    /// The event kinds recorded so far, for `target`, oldest first.
    func kinds(target: String? = nil) -> [String] {
        events(target: target).map(\.event)
    }

    /// `vigilctl status`, as the control service answers it.
    func status() -> DaemonStatus {
        onQueue { $0.control.snapshot() }
    }

    /// Lets every target go, closes the engine's sockets and removes the directory.
    func removeDirectory() {
        onQueue { $0.finish() }
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func makeDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.path + "/vigil-inprocess-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private static func daemonTable(_ directory: String) -> String {
        """
        [daemon]
        state_dir = "\(directory)/state"
        runtime_dir = "\(directory)/run"
        """
    }

    private static func load(_ text: String) throws(ConfigError) -> LoadedConfig {
        LoadedConfig(file: "test.toml", config: try ConfigParser.parse(text, file: "test.toml"), launches: [:])
    }
}

/// The text a reload reads; set by the test before it asks for the reload.
private final class ReloadText: @unchecked Sendable {
    var text = ""
}

private struct UncheckedDriver: @unchecked Sendable {
    let driver: FakeDriver?
    init(_ driver: FakeDriver?) { self.driver = driver }
}

private struct UncheckedResult: @unchecked Sendable {
    let result: Result<ConfigDiff, ConfigError>
    init(_ result: Result<ConfigDiff, ConfigError>) { self.result = result }
}
