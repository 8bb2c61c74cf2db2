import ArgumentParser
import VigilCore

/// `vigilctl start TARGET`: asks vigild to start a target that is stopped or has failed.
struct Start: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start a stopped or failed target."
    )

    @OptionGroup var control: ControlOptions

    @Argument(help: "The target, as named in vigild's configuration.")
    var target: String

    func run() throws {
        try ControlCall.perform(ControlRequest(command: .start, target: target), control)
    }
}
