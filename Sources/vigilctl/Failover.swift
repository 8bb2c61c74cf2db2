import ArgumentParser
import VigilCore

/// `vigilctl failover TARGET [--to STANDBY]`: moves a service from its active target to a standby now.
struct Failover: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "failover",
        abstract: "Fail a service over to a standby now: fence the active target, confirm it dead, promote a standby.",
        discussion: """
            TARGET is the service's primary or any of its standbys. vigild fences the active target (stops it and \
            confirms it is gone), then starts the standby, runs the promote hooks and records the new roles; it \
            never lets two be active. Without --to, the service's placement strategy chooses the standby. \
            Follow the progress with `vigilctl events --target TARGET --follow`.
            """
    )

    @OptionGroup var control: ControlOptions

    @Argument(help: "A target of the service (the primary, or one of its standbys).")
    var target: String

    @Option(name: .long, help: "The standby to promote.")
    var to: String?

    func run() throws {
        try ControlCall.perform(ControlRequest(command: .failover, target: target, standby: to), control)
    }
}
