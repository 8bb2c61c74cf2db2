import ArgumentParser
import VigilCore

/// `vigilctl stop TARGET`: asks vigild to stop a target; it stays stopped, not recovered.
struct Stop: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Stop a target and keep it stopped until 'start'."
    )

    @OptionGroup var control: ControlOptions

    @Argument(help: "The target, as named in vigild's configuration.")
    var target: String

    func run() throws {
        try ControlCall.perform(ControlRequest(command: .stop, target: target), control)
    }
}
