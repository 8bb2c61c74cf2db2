/// The state of a target as its actuator reports it, reduced to the phases vigild reasons about, with the
/// actuator's own words kept for events and operators (`active (running)`, `shut off`).
public struct ActuatorTargetState: Sendable, Hashable, CustomStringConvertible {
    /// Where a target is in its life, in systemd's terms (which libvirt's states map onto).
    public enum Phase: String, Sendable, Hashable, CaseIterable {
        /// Up and serving (systemd `active`/`reloading`/`refreshing`, libvirt `running`/`blocked`).
        case active
        /// Down, cleanly (systemd `inactive`, libvirt `shut off`).
        case inactive
        /// Down after a failure (systemd `failed`, libvirt `crashed`).
        case failed
        /// On its way up (systemd `activating`).
        case activating
        /// On its way down (systemd `deactivating`, libvirt `in shutdown`/`dying`).
        case deactivating
        /// Frozen but not dead: a paused or suspended domain, which could resume, so it never counts as fenced.
        case suspended
        /// Anything not recognised; shown with its raw text.
        case unknown
    }

    public var phase: Phase
    /// The actuator's finer state: systemd's `SubState` (`running`, `dead`, `auto-restart`), when it has one.
    public var detail: String?
    /// The state exactly as the actuator gave it: systemd's `ActiveState`, libvirt's `domstate` line.
    public var raw: String

    public init(phase: Phase, detail: String? = nil, raw: String) {
        self.phase = phase
        self.detail = detail
        self.raw = raw
    }

    /// A systemd unit's state from its `ActiveState` and `SubState` properties.
    public init(systemdActiveState active: String, subState: String?) {
        let phase: Phase =
            switch active {
            case "active", "reloading", "refreshing": .active
            case "inactive": .inactive
            case "failed": .failed
            case "activating": .activating
            case "deactivating": .deactivating
            default: .unknown
            }
        self.init(phase: phase, detail: subState, raw: active)
    }

    /// A libvirt domain's state from the first line of `virsh domstate` (`running`, `shut off`, `paused`…).
    public init(libvirtDomainState text: String) {
        let raw = text.split(separator: "\n").first.map { String($0).trimmingSpaces() } ?? ""
        let phase: Phase =
            switch raw {
            case "running", "blocked", "idle": .active
            case "shut off", "shutoff": .inactive
            case "crashed": .failed
            case "in shutdown", "dying": .deactivating
            case "paused", "pmsuspended": .suspended
            default: .unknown
            }
        self.init(phase: phase, raw: raw)
    }

    /// Whether the target is certainly not running, as fencing needs before a standby may take over.
    public var isDown: Bool {
        phase == .inactive || phase == .failed
    }

    /// `active (running)`, `shut off`.
    public var description: String {
        if let detail, !detail.isEmpty {
            return "\(raw) (\(detail))"
        }
        return raw
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" || first == "\r" {
            scalars.removeFirst()
        }
        while let last = scalars.last, last == " " || last == "\t" || last == "\r" {
            scalars.removeLast()
        }
        return String(scalars)
    }
}
