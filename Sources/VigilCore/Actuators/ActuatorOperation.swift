/// Something vigild asks an actuator to do to a target. Which of them a target supports depends on its actuator
/// (`Actuator.supports`).
///
/// Only what the engine asks for is here (STYLE rule 16): a restart is the restart policy's stop and start, a
/// fence its stop, a promotion its start. Operations the hot-standby and cluster work will ask for (`status`,
/// `promote`, a `fence` carrying the fencing token) are added with their caller.
public enum ActuatorOperation: Sendable, Hashable, CustomStringConvertible {
    /// Bring the target up (a unit's `StartUnit`, a domain's `virsh start`, an exec hook's `start`).
    case start
    /// Take the target down in an orderly way (with whatever escalation the actuator documents).
    case stop
    /// Deliver a signal (a unit's `KillUnit`; for a domain, `SIGKILL` is `destroy`).
    case kill(Signal)
    /// Go back to a snapshot: the named one, or the latest when `nil`.
    case revert(snapshot: String?)

    /// The operation's name as hooks see it in `VIGIL_OPERATION` and events show it: `start`, `kill`, `revert`…
    public var name: String {
        switch self {
        case .start: "start"
        case .stop: "stop"
        case .kill: "kill"
        case .revert: "revert"
        }
    }

    /// Every operation name, for validating configuration keys such as exec hooks.
    public static let names = ["start", "stop", "kill", "revert"]

    /// `kill(SIGTERM)`, `revert(nightly)`, `revert(latest)`, or just the name.
    public var description: String {
        switch self {
        case .kill(let signal): "kill(\(signal))"
        case .revert(let snapshot): "revert(\(snapshot ?? "latest"))"
        default: name
        }
    }
}
