import ArgumentParser
import VigilCore

/// `vigilctl restart TARGET`: asks vigild to restart a target and prints what it did.
struct Restart: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restart",
        abstract: "Restart a target (stop it, then start it again)."
    )

    @OptionGroup var control: ControlOptions

    @Argument(help: "The target, as named in vigild's configuration.")
    var target: String

    func run() throws {
        try ControlCall.perform(ControlRequest(command: .restart, target: target), control)
    }
}
