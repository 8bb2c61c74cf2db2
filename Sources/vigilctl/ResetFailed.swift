import ArgumentParser
import VigilCore

/// `vigilctl reset-failed TARGET`: clears a target's failed state and restart history.
struct ResetFailed: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset-failed",
        abstract: "Forget a target's failure and restart count, so recovery starts afresh."
    )

    @OptionGroup var control: ControlOptions

    @Argument(help: "The target, as named in vigild's configuration.")
    var target: String

    func run() throws {
        try ControlCall.perform(ControlRequest(command: .resetFailed, target: target), control)
    }
}
