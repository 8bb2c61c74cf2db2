extension ConfigParser {
    static let clusterKeys = ["endpoints", "node", "lease_ttl", "prefix"]
    /// The `[cluster]` table.
    static func parseCluster(_ reader: ConfigTableReader, problems: inout [ConfigProblem]) -> ClusterConfig? {
        reader.checkKeys(known: clusterKeys + clusterWatchdogKeys + clusterSecurityKeys, problems: &problems)
        var valid = true
        var endpoints: [String] = []
        if let value = reader.value("endpoints") {
            let strings = value.array?.compactMap(\.string)
            if let strings, strings.count == value.array?.count, !strings.isEmpty {
                for endpoint in strings {
                    if let problem = endpointProblem(endpoint) {
                        problems.append(reader.problem("endpoints", problem))
                        valid = false
                    }
                }
                endpoints = strings
            } else {
                let expected = "a non-empty array of \"host:port\" strings (the etcd members' client addresses)"
                problems.append(reader.mismatch("endpoints", expected: expected, found: value))
                valid = false
            }
        } else {
            problems.append(reader.problem("endpoints", "missing required key (the etcd members' client addresses)"))
            valid = false
        }
        var node = ""
        if let name = reader.string("node", problems: &problems) {
            if !name.isEmpty, name.count <= maximumNameLength, name.unicodeScalars.allSatisfy(isNameScalar) {
                node = name
            } else {
                let rule = "use 1 to \(maximumNameLength) of the characters A-Z a-z 0-9 _ . @ -"
                problems.append(reader.problem("node", "invalid node name \(ConfigTableReader.quoted(name)) (\(rule))"))
                valid = false
            }
        } else if reader.value("node") == nil {
            problems.append(reader.problem("node", "missing required key (this node's name, unique in the cluster)"))
            valid = false
        } else {
            valid = false
        }
        var config = ClusterConfig(endpoints: endpoints, node: node)
        let security = parseClusterSecurity(reader, endpoints: endpoints, problems: &problems)
        (config.tls, config.credentials, valid) = (security.tls, security.credentials, valid && security.valid)
        if let ttl = reader.duration("lease_ttl", problems: &problems) {
            if ttl < ClusterConfig.minimumLeaseTTL || ttl > .seconds(300) {
                let message = "must be between 2s (etcd's shortest lease) and 5m, found \(ttl.humanReadable)"
                problems.append(reader.problem("lease_ttl", message))
                valid = false
            } else if ttl.nanoseconds % 1_000_000_000 != 0 {
                problems.append(
                    reader.problem("lease_ttl", "etcd counts leases in whole seconds, found \(ttl.humanReadable)")
                )
                valid = false
            } else {
                config.leaseTTL = ttl
            }
        }
        if let prefix = reader.string("prefix", problems: &problems) {
            if prefix.hasPrefix("/"), prefix.hasSuffix("/"), prefix.count > 1 {
                config.prefix = prefix
            } else {
                let message =
                    "must begin and end with \"/\" (e.g. \"/vigil/prod/\"), found \(ConfigTableReader.quoted(prefix))"
                problems.append(reader.problem("prefix", message))
                valid = false
            }
        }
        valid = parseClusterWatchdog(reader, into: &config, problems: &problems) && valid
        return valid ? config : nil
    }

    /// Why an endpoint cannot be used, or nil: `host:port`, `http://host:port`, `https://host:port` or
    /// `[v6]:port`, as etcdctl's `--endpoints` are written.
    static func endpointProblem(_ text: String) -> String? {
        var rest = Substring(text)
        if rest.hasPrefix("http://") {
            rest = rest.dropFirst("http://".count)
        } else if rest.hasPrefix("https://") {
            rest = rest.dropFirst("https://".count)
        }
        while rest.hasSuffix("/") {
            rest = rest.dropLast()
        }
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]),
            (1...65_535).contains(port), rest[..<colon].contains(where: { $0 != "[" && $0 != "]" })
        else {
            return "\(ConfigTableReader.quoted(text)): expected host:port (e.g. \"10.0.0.1:2379\")"
        }
        return nil
    }

    /// What a `cluster = true` target needs: a `[cluster]` table, a stop that fits before the lease deadline, and a
    /// ladder that moves it rather than relying on standbys (`clusterRecoveryProblems`).
    static func checkClusterTargets(
        _ targets: [(index: Int, target: TargetConfig)],
        cluster: ClusterConfig?,
        clusterPresent: Bool,
        sourceMap: ConfigSourceMap,
        problems: inout [ConfigProblem]
    ) {
        for (index, target) in targets where target.cluster {
            let line = sourceMap.line(of: ["target", String(index), "cluster"])
            let key = "target[\(target.name)].cluster"
            if !clusterPresent {
                let message = "a cluster resource needs a [cluster] table (etcd endpoints, this node's name)"
                problems.append(ConfigProblem(line: line, key: key, message: message))
                continue
            }
            for message in clusterRecoveryProblems(target, among: targets.map(\.target)) {
                problems.append(ConfigProblem(line: line, key: key, message: message))
            }
            if let cluster, target.stopTimeout > cluster.longestStopBudget {
                let message =
                    "stop_timeout \(target.stopTimeout.humanReadable) is too long for lease_ttl "
                    + "\(cluster.leaseTTL.humanReadable): a node must stop its resources before its lease can expire, "
                    + "so stop_timeout may be at most half the TTL less \(ClusterConfig.fenceMargin.humanReadable) "
                    + "(\(cluster.longestStopBudget.humanReadable)); lower stop_timeout or raise lease_ttl"
                problems.append(ConfigProblem(line: line, key: key, message: message))
            }
        }
    }
}
