/// Something vigild asks an actuator to do to a target. The recovery ladder and failover are built from these;
/// which of them a target supports depends on its actuator (`Actuator.supports`).
public enum ActuatorOperation: Sendable, Hashable, CustomStringConvertible {
    /// Bring the target up (a unit's `StartUnit`, a domain's `virsh start`, an exec hook's `start`).
    case start
    /// Take the target down in an orderly way (with whatever escalation the actuator documents).
    case stop
    /// Stop and start again (a unit's `RestartUnit`, a domain's `reboot` or `reset`).
    case restart
    /// Deliver a signal (a unit's `KillUnit`; for a domain, `SIGKILL` is `destroy`).
    case kill(Signal)
    /// Read the target's current state without changing it.
    case status
    /// Go back to a snapshot: the named one, or the latest when `nil`.
    case revert(snapshot: String?)
    /// Make a standby the active one (start it, or run the promote hook).
    case promote
    /// Make sure the target is dead and stays so, confirmed, before a standby takes over.
    case fence

    /// The operation's name as hooks see it in `VIGIL_OPERATION` and events show it: `start`, `kill`, `revert`…
    public var name: String {
        switch self {
        case .start: "start"
        case .stop: "stop"
        case .restart: "restart"
        case .kill: "kill"
        case .status: "status"
        case .revert: "revert"
        case .promote: "promote"
        case .fence: "fence"
        }
    }

    /// Every operation name, in ladder order, for validating configuration keys such as exec hooks.
    public static let names = ["start", "stop", "restart", "kill", "status", "revert", "promote", "fence"]

    /// Whether the operation changes the target (everything but `status`).
    public var changesTarget: Bool {
        self != .status
    }

    /// `kill(SIGTERM)`, `revert(nightly)`, `revert(latest)`, or just the name.
    public var description: String {
        switch self {
        case .kill(let signal): "kill(\(signal))"
        case .revert(let snapshot): "revert(\(snapshot ?? "latest"))"
        default: name
        }
    }
}
