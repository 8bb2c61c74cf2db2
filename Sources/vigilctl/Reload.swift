import ArgumentParser
import VigilCore

/// `vigilctl reload`: like SIGHUP, but the answer says whether the new configuration was taken and, if not, why.
struct Reload: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Reload vigild's configuration file; a configuration with problems changes nothing.",
        discussion: "A refused reload prints every problem as file:line: key: message and exits 1."
    )

    @OptionGroup var control: ControlOptions

    func run() throws {
        try ControlCall.perform(ControlRequest(command: .reload), control)
    }
}
