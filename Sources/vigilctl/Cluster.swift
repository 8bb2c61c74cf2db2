import ArgumentParser
import VigilCore

/// `vigilctl cluster status|drain|undrain|move`: the cluster as this node sees it, and planned moves, through the
/// local vigild (which writes the requests to etcd for the elected placer).
struct Cluster: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Show the cluster (nodes, leases, resources, owners, tokens, placer) and drain or move resources.",
        subcommands: [ClusterStatusCommand.self, Drain.self, Undrain.self, Move.self]
    )

    /// `vigilctl cluster status [--json]`.
    struct ClusterStatusCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Show the nodes with their leases and figures, the resources with owners, fencing tokens and "
                + "assignments, pending moves and the placer.",
            discussion: "Exit status: 0, or 1 when vigild cannot be asked or runs without [cluster]."
        )

        @OptionGroup var control: ControlOptions

        @Flag(help: "Print the cluster as JSON (sorted keys).")
        var json = false

        func run() throws {
            let response = try ControlCall.send(ControlRequest(command: .status), control)
            guard let cluster = response.status?.cluster else {
                Console.error("vigilctl: vigild runs without a [cluster] table")
                throw ExitCode.failure
            }
            Console.out(json ? try JSONOutput.pretty(cluster) : ClusterStatusTable.render(cluster))
        }
    }

    /// `vigilctl cluster drain NODE`.
    struct Drain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Drain a node: it takes no new resources, and the placer moves its resources away one at a time.",
            discussion: """
                Each resource is stopped on NODE first, then started on the node its placement strategy chooses; \
                never both. The drain is kept in etcd (it survives a restart of vigild) until `vigilctl cluster \
                undrain NODE`.
                """
        )

        @OptionGroup var control: ControlOptions

        @Argument(help: "The node to drain.")
        var node: String

        func run() throws {
            try ControlCall.perform(ControlRequest(command: .clusterDrain, node: node), control)
        }
    }

    /// `vigilctl cluster undrain NODE`.
    struct Undrain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Undrain a node: it may be given resources again (nothing moves back by itself)."
        )

        @OptionGroup var control: ControlOptions

        @Argument(help: "The node to undrain.")
        var node: String

        func run() throws {
            try ControlCall.perform(ControlRequest(command: .clusterUndrain, node: node), control)
        }
    }

    /// `vigilctl cluster move RESOURCE [NODE]`.
    struct Move: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move a cluster resource to NODE, or to the best other node by its placement strategy.",
            discussion: """
                The placer takes the request once no other move is under way: the resource stops where it runs, its \
                owner key is released, and NODE claims and starts it with a higher fencing token.
                """
        )

        @OptionGroup var control: ControlOptions

        @Argument(help: "The cluster resource to move.")
        var resource: String

        @Argument(help: "The node to move it to (default: the best other node).")
        var node: String?

        func run() throws {
            try ControlCall.perform(ControlRequest(command: .clusterMove, target: resource, node: node), control)
        }
    }
}
