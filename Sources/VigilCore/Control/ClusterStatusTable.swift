/// `vigilctl cluster status` as text: this node, the placer, the live nodes with their figures, and each cluster
/// resource with its owner, token and assignment (the `crm_mon` of Vigil).
public enum ClusterStatusTable {
    public static func render(_ status: ClusterStatus) -> String {
        let placement = status.placement
        var text = "node \(status.node): " + (status.lease.map { "lease \($0)" } ?? "no lease")
        text += ", TTL \(Int(status.leaseTTLSeconds))s, etcd " + (status.etcdReachable ? "reachable" : "unreachable")
        text += "\nplacer: " + (placement?.placer.map { "\($0.node) (placer token \($0.token))" } ?? "none elected")
        var rows: [[String]] = [
            ["NODE", "LEASE", "FREE-MEMORY", "CPUS", "LOAD", "CPU-PSI", "MEM-PSI", "ETCD-RTT", "STATE"]
        ]
        let drained = Set(placement?.drained ?? [])
        for node in status.nodes {
            let figures = node.figures
            var state: [String] = []
            if drained.contains(node.name) || figures.draining {
                state.append("draining")
            }
            if !figures.hostFaults.isEmpty {
                state.append("fault: " + figures.hostFaults.joined(separator: ","))
            }
            if !figures.refused.isEmpty {
                state.append("refused: " + figures.refused.joined(separator: ","))
            }
            rows.append([
                node.name + (node.name == status.node ? "*" : ""),
                placement?.leases[node.name] ?? "-",
                ByteCount.text(figures.freeMemory),
                String(figures.cpus),
                fixed(figures.load),
                fixed(figures.cpuPressure) + "%",
                fixed(figures.memoryPressure) + "%",
                figures.etcdRoundTripMilliseconds > 0 ? fixed(figures.etcdRoundTripMilliseconds) + "ms" : "-",
                state.isEmpty ? "online" : state.joined(separator: "; "),
            ])
        }
        for node in drained.subtracting(status.nodes.map(\.name)).sorted() {
            rows.append([node, "-", "-", "-", "-", "-", "-", "-", "offline, draining"])
        }
        text += "\n\n" + columns(rows)
        var resources: [[String]] = [["RESOURCE", "OWNER", "TOKEN", "ASSIGNED", "STATE"]]
        for resource in placement?.resources ?? [] {
            resources.append([
                resource.name, resource.owner ?? "-", resource.fencingToken.map(String.init) ?? "-",
                resource.assigned ?? "-", resource.state,
            ])
        }
        text += "\n" + columns(resources)
        let moves = placement?.moveRequests ?? []
        if !moves.isEmpty {
            text +=
                "\nmove requests: "
                + moves.map { "\($0.resource) → \($0.node ?? "best node")" }.joined(separator: ", ") + "\n"
        }
        return text
    }

    private static func fixed(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let fraction = String(hundredths % 100)
        return "\(hundredths / 100)." + String(repeating: "0", count: 2 - fraction.count) + fraction
    }

    /// Left-aligned columns, two spaces apart, one line per row.
    private static func columns(_ rows: [[String]]) -> String {
        let widths = (0..<(rows.first?.count ?? 0)).map { column in
            rows.map { $0[column].count }.max() ?? 0
        }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count + 2)
            }
            .joined()
        }
        .joined(separator: "\n") + "\n"
    }
}
