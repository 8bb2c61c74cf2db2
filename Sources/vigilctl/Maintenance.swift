import ArgumentParser
import VigilCore

/// `vigilctl maintenance on|off [TARGET]`: while in maintenance, vigild keeps watching and reporting but takes no
/// recovery action, so an operator can stop or upgrade a service without vigild fighting them.
struct Maintenance: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maintenance",
        abstract: "Turn maintenance mode on or off, for one target or (without TARGET) the whole host.",
        discussion: "In maintenance vigild still watches and reports, but takes no recovery action."
    )

    /// `on` or `off`.
    enum Mode: String, ExpressibleByArgument, CaseIterable {
        case on
        case off
    }

    @OptionGroup var control: ControlOptions

    @Argument(help: "on or off.")
    var mode: Mode

    @Argument(help: "The target; the whole host when omitted.")
    var target: String?

    func run() throws {
        try ControlCall.perform(ControlRequest(command: .maintenance, target: target, enabled: mode == .on), control)
    }
}
