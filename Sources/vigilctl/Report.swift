import ArgumentParser
import VigilCore

/// `vigilctl report`: failures, detection, MTTD, MTTR and availability per target, from vigild's event history.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Reliability figures per target: failures, detection rate, MTTD, MTTR, availability.",
        discussion: """
            Computed by vigild from its recent event history (the last 1000 events, fewer if they hold more than \
            1 MiB; the journal keeps the rest) over the window asked for, or since vigild started.
            """
    )

    @Option(help: ArgumentHelp("Only the last DURATION, e.g. 1h or 30m.", valueName: "DURATION"))
    var since: String?

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var control: ControlOptions

    func run() throws {
        var seconds: Double?
        if let since {
            guard let duration = Duration(parsing: since) else {
                throw ValidationError("--since: not a duration: '\(since)' (e.g. 30m, 1h, 7d)")
            }
            seconds = Double(duration.nanoseconds) / 1e9
        }
        let response = try ControlCall.send(ControlRequest(command: .report, sinceSeconds: seconds), control)
        let report = response.report ?? []
        if json {
            Console.out(try JSONOutput.pretty(report) + "\n")
        } else {
            Console.out(ReliabilityTable.render(report, window: response.reportWindowSeconds ?? 0))
        }
    }
}
