/// Something vigild asks an actuator to do to a target. Which of them a target supports depends on its actuator
/// (`Actuator.supports`).
///
/// Only what the engine asks for is here (STYLE rule 16): a restart is the restart policy's stop and start, a
/// fence its stop, a cold standby's promotion its start, a hot standby's promotion `promote` (where the target has
/// no `promote` command or `promote_signal` of its own). Operations the cluster work will ask for (`status`, a
/// `fence` carrying the fencing token) are added with their caller.
public enum ActuatorOperation: Sendable, Hashable, CustomStringConvertible {
    /// Bring the target up (a unit's `StartUnit`, a domain's `virsh start`, an exec hook's `start`).
    case start
    /// Take the target down in an orderly way (with whatever escalation the actuator documents).
    case stop
    /// Deliver a signal (a unit's `KillUnit`; for a domain, `SIGKILL` is `destroy`).
    case kill(Signal)
    /// Go back to a snapshot: the named one, or the latest when `nil`.
    case revert(snapshot: String?)
    /// Reset the running target in place: a domain's `virsh reset` (the guest reboots; QEMU keeps running).
    case reset
    /// Make the running standby instance the primary (hot standby): a domain's `virsh resume`.
    case promote
    /// Keep a started instance as a standby: a domain's `virsh suspend` (a paused standby domain).
    case demote

    /// The operation's name as hooks see it in `VIGIL_OPERATION` and events show it: `start`, `kill`, `revert`…
    public var name: String {
        switch self {
        case .start: "start"
        case .stop: "stop"
        case .kill: "kill"
        case .revert: "revert"
        case .reset: "reset"
        case .promote: "promote"
        case .demote: "demote"
        }
    }

    /// Every operation name.
    public static let names = ["start", "stop", "kill", "revert", "reset", "promote", "demote"]

    /// The operations an exec actuator runs hooks for (its configuration keys). A process target started by hooks
    /// cannot be a hot standby (its start hook cannot learn its role), so it has no `promote` or `demote`.
    public static let hookNames = ["start", "stop", "kill", "revert"]

    /// `kill(SIGTERM)`, `revert(nightly)`, `revert(latest)`, or just the name.
    public var description: String {
        switch self {
        case .kill(let signal): "kill(\(signal))"
        case .revert(let snapshot): "revert(\(snapshot ?? "latest"))"
        default: name
        }
    }
}
