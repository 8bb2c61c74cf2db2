import ArgumentParser
import VigilCore

@main
struct VigilCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigilctl",
        abstract: "Inspect and steer vigild.",
        version: VigilVersion.string,
        subcommands: [
            Status.self, Events.self, Restart.self, Stop.self, Start.self, ResetFailed.self, Maintenance.self,
            Failover.self, Cluster.self, Reload.self, Report.self, CheckConfig.self, Heartbeat.self, DetectorEval.self,
        ]
    )
}
