import ArgumentParser
import VigilCore

@main
struct VigilCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigilctl",
        abstract: "Inspect and steer vigild.",
        version: VigilVersion.string,
        subcommands: [CheckConfig.self, Heartbeat.self, DetectorEval.self]
    )
}
