import VigilCore
import VigilLinux

/// How one kind of target is started, stopped, signalled and watched. A kind is one driver type and one line in
/// `DriverRegistry.standard`; nothing outside the drivers and the registry asks what kind a target is.
///
/// The supervisor calls the driver for what its restart machine answers (`start`, `signal`); the driver reports
/// back through the supervisor (`instanceStarted`, `instanceEnded`, `startFailed`). Slow work runs off the engine
/// queue and comes back as `DriverEvent`s. Confined to the engine queue.
protocol TargetDriver: AnyObject {
    /// The supervisor the driver works for; set once, when the supervisor is made.
    var supervisor: TargetSupervisor! { get set }
    /// Whether an instance runs: vigild's process, an adopted one, a unit, a domain, a cgroup's processes.
    var hasInstance: Bool { get }
    /// Whether something of vigild's for this target still runs or is being started (a child, a spawn under way):
    /// shutdown and replacement wait until there is none.
    var holdsProcess: Bool { get }
    /// Whether the instance stops with vigild (its own children) or keeps running, to be adopted again when vigild
    /// comes back (cgroups, units, domains, daemons another actuator started).
    var stopsWithVigild: Bool { get }
    /// The main process whose figures checks read, when it differs from the machine's PID.
    var mainPID: Int32? { get }
    /// The start time (clock ticks after boot) of the instance's process, which with its PID names it for good in
    /// the state file; `nil` for kinds whose instance is not a process of vigild's.
    var startTicks: UInt64? { get }
    /// When the target is added: start watching what the kind watches from the start (a unit, a domain).
    func attach()
    /// Before the first start: finds an instance still running from before vigild restarted, to adopt it.
    /// - Returns: whether one was found (a standby found running is adopted rather than left alone).
    func prepareAdoption(restored: PersistedTargetState?) -> Bool
    /// The state machine's `spawn`: adopt or start the instance, then report `instanceStarted` or `startFailed`.
    func start()
    /// The state machine's signal: its stop signal while stopping (a stop), `SIGKILL` for a fault or escalation.
    func signal(_ signal: VigilCore.Signal)
    /// Something the driver watches or started.
    func handle(_ event: DriverEvent)
    /// Each health tick: what the driver polls (a cgroup waiting to fill, emptiness without inotify).
    func poll(now: MonotonicInstant)
    /// An inotify watch the driver registered saw a change.
    func fileChanged(watch: Int32, now: MonotonicInstant)
    /// The recovery ladder's `revert` step. The driver reports the outcome through `completion`; `nil` when the
    /// kind cannot revert (the reason says why).
    func revert(sequence: Int, completion: @escaping (RecoveryOutcome) -> Void) -> String?
    /// The recovery ladder's `reset` step: the instance is reset in place (a domain's `virsh reset`). The driver
    /// reports the outcome through `completion`; `nil` when the kind cannot reset (the reason says why).
    func reset(sequence: Int, completion: @escaping (RecoveryOutcome) -> Void) -> String?
    /// A hot standby's promotion by the target's own actuator (a paused domain's `virsh resume`), for a member
    /// without a `promote` command or `promote_signal`. The driver reports the outcome through `completion`; `nil`
    /// when it cannot (the reason says why).
    func promote(completion: @escaping (RecoveryOutcome) -> Void) -> String?
    /// A hot standby's `promote_signal`: to the instance's process group (a process), its main process (a unit).
    /// The driver reports through `completion` once the signal was sent, or could not be.
    func signalForPromotion(_ signal: VigilCore.Signal, completion: @escaping (RecoveryOutcome) -> Void)
    /// Whether a heartbeat of the instance after its promotion shows that it serves as the primary: a resumed
    /// domain's guest runs again only if it heartbeats (while paused it could not).
    var heartbeatConfirmsPromotion: Bool { get }
    /// Whether the running instance is still held as a standby by its actuator (a domain libvirt reports paused),
    /// so its actuator's promotion has not taken effect: issuing it again is safe (a resume of a paused domain).
    var heldAsStandby: Bool { get }
    /// The member's role in its hot-standby group changed while its instance runs (a promotion completed): what
    /// the driver keeps of the role for the instance's next start is brought up to date.
    func roleChanged()
    /// The target this one follows (`follows`) changed: it runs healthy now, or went down.
    func followedChanged()
    /// The target this one follows is about to be stopped: this one goes first.
    func followedStopping()
    /// Lets the instance go: stops every watch and timer. `removed`: the target left the configuration, and what
    /// it left behind is cleaned up.
    func close(removed: Bool)
}

extension TargetDriver {
    var mainPID: Int32? { nil }
    var startTicks: UInt64? { nil }
    func attach() {}
    func prepareAdoption(restored: PersistedTargetState?) -> Bool { false }
    func poll(now: MonotonicInstant) {}
    func fileChanged(watch: Int32, now: MonotonicInstant) {}

    func revert(sequence: Int, completion: @escaping (RecoveryOutcome) -> Void) -> String? {
        "revert needs a vm target driven by libvirt (domain = \"NAME\", with snapshots); "
            + "\(supervisor.name) is a \(supervisor.config.kind.rawValue) target"
    }

    func reset(sequence: Int, completion: @escaping (RecoveryOutcome) -> Void) -> String? {
        "reset needs a vm target driven by libvirt (domain = \"NAME\"); "
            + "\(supervisor.name) is a \(supervisor.config.kind.rawValue) target"
    }

    func promote(completion: @escaping (RecoveryOutcome) -> Void) -> String? {
        "\(supervisor.name) has no promote operation of its own: give it promote = [\"/path/cmd\"] or promote_signal"
    }

    func signalForPromotion(_ signal: VigilCore.Signal, completion: @escaping (RecoveryOutcome) -> Void) {
        self.signal(signal)
        completion(.succeeded)
    }

    var heartbeatConfirmsPromotion: Bool { false }
    var heldAsStandby: Bool { false }
    func roleChanged() {}
    func followedChanged() {}
    func followedStopping() {}

    /// Runs `operation` (`promote`, `demote`) through `actuator`; the outcome comes back as `.roleOperationEnded`.
    func changeRole(_ operation: ActuatorOperation, through actuator: any Actuator) {
        actuator.perform(operation, timeout: config.startTimeout) { @Sendable [weak engine, name] outcome in
            engine?.handle(.target(name, .driver(.roleOperationEnded(operation, outcome))))
        }
    }

    /// The outcome of a `promote` or `demote` the driver asked its actuator for: handed to `promotion` (a promote
    /// the coordinator waits for), or logged (a demote that keeps a standby paused).
    func roleOperationEnded(
        _ operation: ActuatorOperation,
        _ outcome: ActuatorOutcome,
        promotion: ((RecoveryOutcome) -> Void)?
    ) {
        if operation == .promote, let promotion {
            promotion(RecoveryOutcome(outcome, of: "\(operation)"))
        } else if !outcome.succeeded {
            engine.logger.warning(
                "\(name): \(operation) did not succeed: \(outcome)",
                metadata: ["VIGIL_TARGET": "\(name)"]
            )
        }
    }

    /// The actuator's `start`; its outcome comes back as `.started`, for `startEnded(_:up:)`.
    func startThrough(_ actuator: any Actuator) -> ActuatorCancellation {
        actuator.perform(.start, timeout: config.startTimeout) { @Sendable [weak engine, name] outcome in
            engine?.handle(.target(name, .driver(.started(outcome))))
        }
    }

    /// The actuator's `start` ended: the instance is up (`up` finds it), or the start failed; nothing happens when
    /// the start is no longer wanted (stopped meanwhile).
    func startEnded(_ outcome: ActuatorOutcome, up: () -> Void) {
        guard supervisor.isSpawning else { return }
        if case .succeeded = outcome {
            up()
        } else {
            supervisor.startFailed("\(outcome)")
        }
    }

    /// A reclamation before a start ended with `left` processes still in the cgroup: the start goes on, or fails.
    func reclamationEnded(_ reclamation: Reclamation, left: Int) {
        guard supervisor.isSpawning else { return }
        if left == 0 {
            start()
        } else {
            supervisor.startFailed(reclamation.failure(left: left))
        }
    }

    var engine: Engine { supervisor.engine }
    var name: String { supervisor.name }
    var config: TargetConfig { supervisor.config }
}

/// Which driver runs each kind of target.
public struct DriverRegistry: Sendable {
    /// Makes the driver of a target, or `nil` when the target cannot be driven (a process target without a launch
    /// specification).
    typealias Factory = @Sendable (TargetConfig, LaunchSpec?, Engine) -> (any TargetDriver)?

    let make: Factory

    init(_ make: @escaping Factory) {
        self.make = make
    }

    func make(for target: TargetConfig, launch: LaunchSpec?, engine: Engine) -> (any TargetDriver)? {
        make(target, launch, engine)
    }

    /// vigild's drivers: processes, cgroups, vms by their scope or by libvirt, systemd units.
    public static let standard = DriverRegistry { target, launch, engine in
        switch target.kind {
        case .process: ProcessDriver.make(target: target, launch: launch, engine: engine)
        case .cgroup: CgroupDriver(launch: launch, mainProcessIsInstance: false)
        case .vm where target.domain != nil: DomainDriver()
        case .vm: CgroupDriver(launch: launch, mainProcessIsInstance: true)
        case .service: ServiceDriver()
        case .address: AddressDriver()
        }
    }
}
