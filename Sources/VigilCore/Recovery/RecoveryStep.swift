/// One rung of a target's recovery ladder, as written in `recovery = ["restart", "revert", "failover", "fence"]`.
///
/// Each step is carried out by the target's actuator and then verified (see `RecoveryLadder`), except `fence`,
/// which is terminal: it isolates the target (stopped or destroyed, confirmed dead) and leaves it down.
public enum RecoveryStep: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Restart the target through its actuator (process, systemd unit, libvirt domain).
    case restart
    /// Reset the target in place (a libvirt domain's `virsh reset`: the guest reboots in the QEMU that runs it),
    /// cheaper than a restart's destroy and start. A domain whose ladder's next step is `reset` is left running
    /// when it is convicted, for this step.
    case reset
    /// Revert the target to its snapshot (libvirt `snapshot-revert`), then start it.
    case revert
    /// Fence the primary and promote a standby (`FailoverStateMachine`).
    case failover
    /// Stop or destroy the target and confirm it is dead; the ladder ends there, the target left down.
    case fence
    /// Run the target's hook of this name (`hooks = { NAME = [argv] }`), then verify like any other step.
    case exec(String)

    /// The steps that take no argument, by name.
    public static let plainNames: [String: RecoveryStep] = [
        "restart": .restart, "reset": .reset, "revert": .revert, "failover": .failover, "fence": .fence,
    ]

    /// Parses `restart`, `reset`, `revert`, `failover`, `fence` or `exec:NAME`.
    /// - Parameter text: the step as written in the configuration.
    public init?(parsing text: String) {
        if let plain = Self.plainNames[text] {
            self = plain
            return
        }
        guard text.hasPrefix("exec:") else { return nil }
        let name = String(text.dropFirst("exec:".count))
        guard !name.isEmpty else { return nil }
        self = .exec(name)
    }

    /// The step as written in the configuration, and as events name it (`VIGIL_STEP`).
    public var description: String {
        switch self {
        case .restart: "restart"
        case .reset: "reset"
        case .revert: "revert"
        case .failover: "failover"
        case .fence: "fence"
        case .exec(let name): "exec:" + name
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let step = RecoveryStep(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "unknown recovery step \(text)")
        }
        self = step
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
