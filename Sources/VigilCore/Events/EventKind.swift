/// The types of event `vigild` records. Each has a fixed journal `MESSAGE_ID`, explained in
/// `systemd/vigil.catalog`; never change an id once released, operators filter on them.
public enum EventKind: String, Sendable, CaseIterable {
    case targetStarted = "target-started"
    /// An instance vigild did not start (still running from before vigild restarted, found in the target's cgroup,
    /// named by its PID file, a unit already active, a domain already running) taken as the target's instance:
    /// never counted as a start or a recovery.
    case targetAdopted = "target-adopted"
    case targetSpawnFailed = "target-spawn-failed"
    case targetExited = "target-exited"
    case restartScheduled = "restart-scheduled"
    case targetGaveUp = "target-gave-up"
    case targetStopping = "target-stopping"
    case stopEscalated = "stop-escalated"
    case reloadSucceeded = "reload-ok"
    case reloadRejected = "reload-rejected"
    case daemonReady = "daemon-ready"
    case daemonStopping = "daemon-stopping"
    case targetFaulted = "target-faulted"
    case heartbeatSuspected = "heartbeat-suspected"
    case heartbeatCleared = "heartbeat-cleared"
    case heartbeatQoSUnmet = "heartbeat-qos-unmet"
    case heartbeatQoSMet = "heartbeat-qos-met"
    case cgroupEmptied = "cgroup-emptied"
    case cgroupOOMKill = "cgroup-oom-kill"
    case checkRaised = "check-raised"
    case checkCleared = "check-cleared"
    case hostFault = "host-fault"
    case hostFaultCleared = "host-fault-cleared"
    case checkUnavailable = "check-unavailable"
    case recoveryStep = "recovery-step"
    case recoveryVerified = "recovery-verified"
    case recoveryStepFailed = "recovery-step-failed"
    case recoveryExhausted = "recovery-exhausted"
    case recoveryReset = "recovery-reset"
    case recoverySuppressed = "recovery-suppressed"
    case recoveryQueued = "recovery-queued"
    case targetFenced = "target-fenced"
    case failoverProgress = "failover-progress"
    case failoverCompleted = "failover-completed"
    case failoverAborted = "failover-aborted"
    case admissionRefused = "admission-refused"
    case stateFileCorrupt = "state-file-corrupt"
    case stateFileUnwritable = "state-file-unwritable"
    case targetReclaimed = "target-reclaimed"
    case targetWaiting = "target-waiting"
    /// A member of a hot-standby group changed role: promoted (its `promote` command, signal or actuator) or rejoined as a standby.
    case roleChanged = "role-changed"
    /// A domain's emulator (QEMU) died under it: libvirt says the domain stopped with `failed`.
    case domainEmulatorDied = "domain-emulator-died"
    /// A domain's guest kernel panicked: libvirt says `crashed` (`panicked`), from the guest's pvpanic device.
    case domainPanicked = "domain-panicked"
    /// A domain's virtual watchdog (i6300esb) expired: the guest stopped feeding it.
    case domainWatchdog = "domain-watchdog"
    /// A domain's disk hit an I/O error (libvirt pauses the domain by default).
    case domainIOError = "domain-io-error"
    /// A running domain was paused, not by vigild.
    case domainPaused = "domain-paused"
    /// A paused domain runs again.
    case domainResumed = "domain-resumed"
    /// This node holds a new etcd lease and its node key is written under it.
    case clusterJoined = "cluster-joined"
    /// Another node's key appeared: it joined the cluster.
    case nodeJoined = "node-joined"
    /// Another node's key went: its lease expired or was revoked, and its resources are claimed again.
    case nodeLost = "node-lost"
    /// No etcd member answered a read or write of cluster mode (down, cut off, or without a leader).
    case etcdUnreachable = "etcd-unreachable"
    /// etcd answers again after `etcd-unreachable`.
    case etcdReachable = "etcd-reachable"
    /// This node owns a cluster resource now: its owner key was created, and the key's revision is the fencing token.
    case resourceClaimed = "resource-claimed"
    /// This node no longer owns a cluster resource it ran (its owner key is gone or another node's): it is stopped.
    case resourceReleased = "resource-released"
    /// This node cannot rely on its lease: its cluster resources are stopped before the lease can expire elsewhere.
    case selfFenced = "self-fenced"
    /// This node won the placer election: it assigns the cluster resources to nodes from now on.
    case placerElected = "placer-elected"
    /// The placer moves a resource to another node (a drain or `vigilctl cluster move`): stopped, then started there.
    case resourceMoved = "resource-moved"
    /// No live node can take a cluster resource now (draining, faulted, anti-affinity, not enough free resources).
    case resourceUnplaceable = "resource-unplaceable"
    /// An operator drained a node: its resources move elsewhere and it takes no new ones.
    case nodeDraining = "node-draining"
    /// A drained node takes resources again.
    case nodeUndrained = "node-undrained"
    /// An address target's address was put on its interface.
    case addressAdded = "address-added"
    /// An address target's address left its interface: removed on a stop, or by someone else.
    case addressRemoved = "address-removed"
    /// An added address was announced to the link (gratuitous ARP, unsolicited neighbour advertisement).
    case addressAnnounced = "address-announced"
    /// This node owns a cluster resource: its watchdog device is open and fed while its lease holds.
    case watchdogArmed = "watchdog-armed"
    /// This node owns no cluster resource any more: its watchdog device was closed with the magic `V`.
    case watchdogDisarmed = "watchdog-disarmed"
    /// The watchdog device could not be opened, set or fed: the node may be reset, or not protected by it.
    case watchdogFailed = "watchdog-failed"

    /// The journal `MESSAGE_ID`: 128 bits, lower-case hex without dashes.
    public var messageID: String {
        switch self {
        case .targetStarted: "59e243b0bee1434bad9ee7f91f24abcb"
        case .targetAdopted: "280850b775364d8385931360626dc661"
        case .targetSpawnFailed: "aa2136d58d1245e2a4269366e92d2883"
        case .targetExited: "d03c20bce83b4394a412c34f448982ce"
        case .restartScheduled: "ea5848a7582846949bb589e822eab6a0"
        case .targetGaveUp: "ba37a5b322ef434f87d728e67bd81517"
        case .targetStopping: "602bfcb920b24c1689f652cc5913afea"
        case .stopEscalated: "18737d68cab74570ad724534c177e904"
        case .reloadSucceeded: "4624719141ba4927853692930409f1b6"
        case .reloadRejected: "958f391f03b7493aa87c003370f35290"
        case .daemonReady: "5c36784f0a39499186e9ae98f11f2b52"
        case .daemonStopping: "79cae082a976444ab01b44f7e25814c4"
        case .targetFaulted: "e4ed23bfbd7e40a1802e28d1e4aab4e4"
        case .heartbeatSuspected: "39df0750c117467d83f18506e7998466"
        case .heartbeatCleared: "c623150f3b9f4f7cb5c0e54ef4d4bb64"
        case .heartbeatQoSUnmet: "c14c691fa8d3409fa8ea3361e066926a"
        case .heartbeatQoSMet: "6db93a1a71ef4f639b54cdfb4cf0352a"
        case .cgroupEmptied: "6bb2ce543c5d43fc879ce3c8be2a8975"
        case .cgroupOOMKill: "1d7f9b24a3bc4b5497da9c619fd5d752"
        case .checkRaised: "943ee17f537c445cb737bb67be396b9f"
        case .checkCleared: "e2cfb40c992f4627a1b62e1b4baca5a4"
        case .hostFault: "87ef85d4f83c440f93a81d14da08e133"
        case .hostFaultCleared: "2da348bedac8423f87936a81573e2c45"
        case .checkUnavailable: "bf0301ee090b4b98bbdfd5442bc63dc8"
        case .recoveryStep: "f59810c7f3d240619e3da4e88a286040"
        case .recoveryVerified: "3e925c28b8a94adb8b8ff1f2d46ffb92"
        case .recoveryStepFailed: "55326a0a236c496590cd1c0b729850f3"
        case .recoveryExhausted: "5526cbd022dc4e3b812375913c07ad35"
        case .recoveryReset: "0f233c70dc2e40978ade3fb325c919ca"
        case .recoverySuppressed: "718c3aa1b17b4940bfb2f74431260821"
        case .recoveryQueued: "19f1731c56774c01b629eb3c646e431e"
        case .targetFenced: "be1e018efb1e415a948b23a0b09cbd45"
        case .failoverProgress: "8ee6a03e4e534d16813d3f4a47e8b151"
        case .failoverCompleted: "06129171662a4620b9366fa64608cdab"
        case .failoverAborted: "e910154c47ea406ca5b5eac607cb4348"
        case .admissionRefused: "8f7aaa9c663e4f0ca84ea2478dc66996"
        case .stateFileCorrupt: "47d47022189d405dad1ee58d905e4578"
        case .stateFileUnwritable: "fd0724f416034793b7acca4b572ea583"
        case .targetReclaimed: "86b8ebc5158048d7bb1789d3d99a203d"
        case .targetWaiting: "b5884801b11c453a811b96029752d5ba"
        case .roleChanged: "d0beedacb62f47cabb93b4aac31c8cbc"
        case .domainEmulatorDied: "e5ccd6f8f7c44b8b973bd97e7bd114aa"
        case .domainPanicked: "82656815d1f24af69a36c79132cfbe42"
        case .domainWatchdog: "9f0134869630496495abd26ff319057e"
        case .domainIOError: "7c222d84203c4449946df649395e3133"
        case .domainPaused: "34d5e04bc77140b686c631fa078f231f"
        case .domainResumed: "bd7fa0d594674aeb93dc74353d307c19"
        case .clusterJoined: "3988909ac0934d608dc9b0978b85f2ab"
        case .nodeJoined: "0eccb07b303340c98bb89b561d5665f7"
        case .nodeLost: "9fd1f847d29d4d9f80d4aff0391e6973"
        case .etcdUnreachable: "eca9bbcbd5d245b5a1bb653b0812baad"
        case .etcdReachable: "9cdface2b3594651818f8a4397bcd135"
        case .resourceClaimed: "901a0ce610d342ffa88d851be24ec8f4"
        case .resourceReleased: "9c0dccc794bf4349ae2e6cf1d6111dbc"
        case .selfFenced: "84374f19163c49088cda1f1bada7a671"
        case .placerElected: "34b6ed28b6334bd18671ac64d00cba7c"
        case .resourceMoved: "c2e30c018a4746c0b1a4dc768e99944e"
        case .resourceUnplaceable: "0a0670cfc17a4a26b62b11db741bb2a8"
        case .nodeDraining: "d20383c75bf241a08bf090c94c6367b3"
        case .nodeUndrained: "e59fb4ef26d34ca18792b0e8be818c4f"
        case .addressAdded: "4b308f2ec72b4dccba271739c284f68a"
        case .addressRemoved: "a8e5ab32ca5f43a7a066b91c573e9bef"
        case .addressAnnounced: "88e910fe771f4018ba4008ab701058ba"
        case .watchdogArmed: "bb5ae876f97548d3825eefdf17e6fc36"
        case .watchdogDisarmed: "9e4d3ece6b834743a1c527b4dddcc508"
        case .watchdogFailed: "9d8cab79aadc4022a23b7fa0e2533d0c"
        }
    }

    /// Syslog priority of the event's journal entry.
    public var severity: EventSeverity {
        switch self {
        case .targetStarted, .targetAdopted, .targetStopping, .reloadSucceeded, .daemonReady, .daemonStopping,
            .heartbeatCleared, .heartbeatQoSMet, .checkCleared, .hostFaultCleared, .recoveryVerified, .recoveryReset,
            .failoverProgress, .targetWaiting, .roleChanged, .domainResumed, .clusterJoined, .nodeJoined,
            .etcdReachable, .resourceClaimed, .placerElected, .resourceMoved, .nodeDraining, .nodeUndrained,
            .addressAdded, .addressAnnounced, .watchdogArmed, .watchdogDisarmed:
            .notice
        case .targetExited, .restartScheduled, .stopEscalated, .heartbeatSuspected, .heartbeatQoSUnmet,
            .cgroupEmptied, .checkRaised,
            .checkUnavailable, .recoveryStep, .recoverySuppressed, .recoveryQueued, .failoverCompleted,
            .targetReclaimed, .domainPaused, .nodeLost, .etcdUnreachable, .resourceReleased, .resourceUnplaceable,
            .addressRemoved:
            .warning
        case .targetSpawnFailed, .reloadRejected, .targetFaulted, .cgroupOOMKill, .hostFault, .recoveryStepFailed,
            .admissionRefused, .stateFileCorrupt, .stateFileUnwritable, .domainEmulatorDied, .domainPanicked,
            .domainWatchdog, .domainIOError, .watchdogFailed:
            .error
        case .targetGaveUp, .recoveryExhausted, .targetFenced, .failoverAborted, .selfFenced: .critical
        }
    }
}

/// Syslog severities, with their numeric priority.
public enum EventSeverity: Int, Sendable, Comparable {
    case emergency = 0
    case alert = 1
    case critical = 2
    case error = 3
    case warning = 4
    case notice = 5
    case info = 6
    case debug = 7

    public static func < (lhs: Self, rhs: Self) -> Bool {
        lhs.rawValue > rhs.rawValue
    }
}
