import VigilCore
import VigilLinux

/// Everything that happens to the engine: every DispatchSource, timer and actuator outcome becomes one of these and
/// reaches `Engine.handle(_:)` on the engine queue. A reader sees every input of vigild here.
enum EngineEvent {
    // MARK: vigild itself
    /// SIGTERM or SIGINT: stop every target and exit.
    case stopRequested(reason: String)
    /// SIGHUP: read the configuration again.
    case reloadRequested
    /// Time to ping systemd's watchdog.
    case watchdogDue
    /// A request on the control socket.
    case control(ControlRequest, ControlConnection)

    // MARK: targets
    /// Something happened to one target: routed to its supervisor (and from there to its driver).
    case target(String, TargetEvent)
    /// The recovery ladder of a service wants its timer.
    case serviceTimer(owner: String)
    /// A ladder or promote hook of a service ended.
    case hookEnded(owner: String, id: Int, name: String, result: Result<HookRun.Result, SpawnError>)
    /// A failover's status check of a target that was still starting is due again.
    case failoverStatusDue(owner: String, target: String, sequence: Int)
    /// A promoted hot standby's time to report itself primary is up.
    case roleReportDue(owner: String, sequence: Int)
    /// A former primary's time to report itself a standby after it rejoined is up.
    case rejoinReportDue(owner: String, target: String, round: Int)
    /// A member's `status` command ended.
    case statusEnded(owner: String, target: String, id: Int, result: Result<HookRun.Result, SpawnError>)
    /// Time to ask a member's `status` command again.
    case statusDue(owner: String, target: String)
    /// A `demote` command of a member that rejoined a hot-standby group as a standby ended.
    case demoteEnded(owner: String, target: String, id: Int, result: Result<HookRun.Result, SpawnError>)

    // MARK: health and heartbeats
    /// The `[daemon] tick`: read the host's and the targets' figures.
    case healthTick
    /// inotify: watched `cgroup.events` or `memory.events` changed.
    case cgroupFilesChanged([(watch: Int32, change: InotifyWatcher.Change)])
    /// PSI triggers fired.
    case pressureTriggered([(tag: Int64, gone: Bool)])
    /// An authenticated heartbeat of a target arrived, with its wire sequence number.
    case heartbeat(target: String, at: MonotonicInstant, sequence: UInt64?)
    /// Heartbeat datagrams were dropped, by reason, since the last report.
    case heartbeatDrops([HeartbeatDropReason: Int])
    /// vigild's own liveness tick.
    case selfCheckDue

    // MARK: state and metrics
    /// The state writer failed (with why), or works again (`nil`).
    case stateWriteChanged(problem: String?)
    /// Time to rewrite the node_exporter textfile.
    case textfileDue

    // MARK: cluster mode
    /// The cluster session's news: a lease, a view of etcd, a claim's answer (only with `[cluster]`).
    case cluster(any ClusterSessionEvent)
}

/// What happens to one target.
enum TargetEvent {
    /// Its restart policy's timer fired.
    case restartTimer
    /// Its heartbeat deadline was reached.
    case heartbeatTimer
    /// A datagram on its own `NOTIFY_SOCKET`.
    case notify(NotifySocket.Received)
    /// Something its driver watches or started.
    case driver(DriverEvent)
}

/// The inputs of the target drivers, grouped by the driver that asked for them; a driver ignores the others.
enum DriverEvent {
    // process
    /// The child's pidfd became readable and it was reaped.
    case processExited(PidfdWatcher.Exit)
    /// A process vigild adopted (not its child) exited.
    case adoptedExited(pid: Int32, at: MonotonicInstant)
    /// The process actuator's spawn ended.
    case spawnEnded(ActuatorOutcome)
    /// Another actuator's `start` (an exec hook) ended; the daemon's PID file is awaited from `startedAt`.
    case managedStartEnded(ActuatorOutcome, startedAt: MonotonicInstant)
    /// Time to look at the PID file again, until `deadline`, unless the wait was `cancelled`.
    case pidFilePoll(deadline: MonotonicInstant, cancelled: QueueConfined<Bool>)
    /// A child nobody wanted was reaped.
    case strayReaped(pid: Int32)
    /// A reclamation's cgroup changed or its timer fired.
    case reclaimCheck
    // cgroup and vm scope
    /// The `start` command of a cgroup target ended.
    case startCommandExited(PidfdWatcher.Exit)
    /// The cgroup's main process exited.
    case mainExited(pid: Int32, at: MonotonicInstant)
    /// The v1 memory controller signalled an OOM; look again (`attempt` counts the looks).
    case oomSignalled(attempt: Int)
    // systemd unit
    /// The unit watcher saw a change, or lost the bus.
    case unitChanged(SystemdUnitWatcher.Event)
    /// Watch the unit again after a failure.
    case rewatchUnit
    /// The unit's `MainPID` was read.
    case unitMainPID(Result<Int32, SystemdBusError>)
    /// A stop or kill of the unit ended.
    case unitSignalled(ActuatorOperation, ActuatorOutcome)
    /// The unit's role drop-in was written and loaded (`true`), found as it should be (`false`), or not.
    case unitRoleWritten(Result<Bool, SystemdBusError>)
    /// A hot standby unit's `promote_signal` to its main process ended.
    case unitPromotionSignalled(ActuatorOutcome)
    // libvirt domain
    /// libvirt's lifecycle events for the domain.
    case domainChanged(LibvirtDomainWatcher.Event)
    /// A `snapshot-revert` ended, for ladder operation `sequence`.
    case domainReverted(sequence: Int, outcome: ActuatorOutcome)
    /// The grace after a revert's answer is over.
    case revertSettled
    /// The domain's XML was read (`virsh dumpxml`; `nil` when it could not be): where it logs its console.
    case domainDescribed(String?)
    /// The domain's QEMU process (`pid`) exited, noticed through its pidfd at `noticedAt`, with its wait status when
    /// it could still be read (`nil`: reaped already).
    case emulatorExited(pid: Int32, noticedAt: MonotonicInstant, status: Int32?)
    /// A `virsh reset` ended, for ladder operation `sequence`.
    case domainReset(sequence: Int, outcome: ActuatorOutcome)
    /// A hung domain left running for a `reset` step was destroyed, so that another step can start it afresh.
    case hungDomainDestroyed(ActuatorOutcome)
    // hot standby
    /// An actuator's `promote` (`virsh resume`) or `demote` (`virsh suspend`) ended.
    case roleOperationEnded(ActuatorOperation, ActuatorOutcome)
    /// The guest's virtio-serial heartbeat channel connected, ended or carried a line.
    case guestChannel(GuestChannel.Event)
    // floating address
    /// The address was added (`added`) or found there already: the state machine is told.
    case addressUp(added: Bool)
    /// The address was removed (or found gone): the state machine is told.
    case addressDown(cause: String)
    /// Time for the next announcement of the address's `generation`-th addition, `sent` already.
    case addressAnnounceDue(generation: Int, sent: Int)
    /// The network namespace's addresses changed (rtnetlink): is the address still on its interface?
    case addressesChanged
    // any actuator
    /// An actuator's `start` (`StartUnit`, `virsh start`) ended.
    case started(ActuatorOutcome)
    /// A signal or stop through an actuator did not succeed.
    case actuatorFailed(ActuatorOperation, ActuatorOutcome)
}
