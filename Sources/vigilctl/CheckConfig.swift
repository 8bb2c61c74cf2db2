import ArgumentParser
import VigilLinux

/// `vigilctl check-config FILE`: the same validation as `vigild --check-config`.
struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file: every problem and exit 1, or a summary and exit 0."
    )

    @Argument(help: ArgumentHelp("The configuration file.", valueName: "FILE"))
    var file: String

    func run() throws {
        let report = ConfigCheck.run(path: file)
        report.emit()
        throw ExitCode(report.isValid ? 0 : 1)
    }
}
