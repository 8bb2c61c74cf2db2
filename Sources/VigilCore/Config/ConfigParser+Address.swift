extension ConfigParser {
    /// The keys of an `address` target, and `follows` (the target whose instance the address goes with).
    static let addressKeys = ["address", "interface", "announce", "announce_interval", "follows"]

    /// `address`, `interface`, `announce` and `announce_interval` of an `address` target; refused on other kinds.
    static func parseAddress(
        _ reader: ConfigTableReader,
        kind: TargetKind,
        problems: inout [ConfigProblem]
    ) -> AddressConfig? {
        guard kind == .address else {
            for key in addressKeys where reader.value(key) != nil {
                problems.append(reader.problem(key, "only for kind = \"address\" targets"))
            }
            return nil
        }
        for key in ["exec", "start", "cgroup", "machine", "unit", "notify_socket", "actuator", "pid_file"]
        where reader.value(key) != nil {
            problems.append(reader.problem(key, "not for kind = \"address\" targets: vigild adds the address itself"))
        }
        var parsed: (IPAddress, Int)?
        if reader.value("address") == nil {
            let hint = "the floating address with its prefix, e.g. address = \"10.0.0.100/24\""
            problems.append(reader.problem("address", "missing required key (\(hint))"))
        } else if let text = reader.nonEmptyString("address", problems: &problems) {
            parsed = parseAddressText(text)
            if parsed == nil {
                let message =
                    "\(ConfigTableReader.quoted(text)) is not an IPv4 or IPv6 address with an optional prefix length "
                    + "(e.g. \"10.0.0.100/24\" or \"fd00::100/64\")"
                problems.append(reader.problem("address", message))
            }
        }
        var interface: String?
        if reader.value("interface") == nil {
            problems.append(reader.problem("interface", "missing required key (the interface, e.g. \"eth0\")"))
        } else if let name = reader.nonEmptyString("interface", problems: &problems) {
            // IFNAMSIZ is 16 with its terminating zero; '/' and whitespace are refused by the kernel.
            if name.utf8.count > 15 || name.contains("/") || name.contains(where: \.isWhitespace) || name == "."
                || name == ".."
            {
                problems.append(
                    reader.problem("interface", "\(ConfigTableReader.quoted(name)) is not an interface name")
                )
            } else {
                interface = name
            }
        }
        var announcements = 3
        if let count = reader.integer("announce", problems: &problems) {
            if (0...100).contains(count) {
                announcements = count
            } else {
                problems.append(reader.problem("announce", "must be 0 (no announcements) to 100, found \(count)"))
            }
        }
        var interval = Duration.milliseconds(200)
        if let duration = reader.duration("announce_interval", problems: &problems) {
            if duration >= .milliseconds(10), duration <= .seconds(10) {
                interval = duration
            } else {
                problems.append(reader.problem("announce_interval", "must be between 10ms and 10s"))
            }
        }
        guard let (address, prefix) = parsed, let interface else { return nil }
        return AddressConfig(
            address: address,
            prefixLength: prefix,
            interface: interface,
            announcements: announcements,
            announceInterval: interval
        )
    }

    /// `10.0.0.100/24` → the address and 24; no prefix → a host prefix (32 or 128).
    static func parseAddressText(_ text: String) -> (IPAddress, Int)? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = IPAddress(String(parts[0])) else { return nil }
        let maximum = address.family == .v4 ? 32 : 128
        guard parts.count == 2 else { return (address, maximum) }
        guard let prefix = Int(parts[1]), (1...maximum).contains(prefix), parts[1].first != "+" else { return nil }
        return (address, prefix)
    }

    /// `follows` of an address target: a valid target name (whether it exists is checked across targets, by
    /// `checkFollows`).
    static func parseFollows(_ reader: ConfigTableReader, kind: TargetKind, problems: inout [ConfigProblem]) -> String?
    {
        guard kind == .address, let name = reader.nonEmptyString("follows", problems: &problems) else { return nil }
        return name
    }

    /// Every `follows` names another target that is not itself an address, and a follower of a cluster resource is a
    /// cluster resource too (it goes where the followed one runs), and the reverse.
    static func checkFollows(
        _ targets: [(index: Int, target: TargetConfig)],
        sourceMap: ConfigSourceMap,
        problems: inout [ConfigProblem]
    ) {
        let byName = Dictionary(targets.map { ($0.target.name, $0.target) }, uniquingKeysWith: { first, _ in first })
        for (index, target) in targets {
            guard let follows = target.follows else { continue }
            let line = sourceMap.line(of: ["target", String(index), "follows"])
            let key = "target[\(target.name)].follows"
            guard let followed = byName[follows], follows != target.name else {
                let message = "no other target is named \(ConfigTableReader.quoted(follows))"
                problems.append(ConfigProblem(line: line, key: key, message: message))
                continue
            }
            if followed.kind == .address {
                let message = "an address follows the service it fronts, not another address"
                problems.append(ConfigProblem(line: line, key: key, message: message))
            } else if followed.cluster != target.cluster {
                let message =
                    followed.cluster
                    ? "\(follows) is a cluster resource: an address that follows it must be one too (cluster = true), "
                        + "so that it goes to the node that runs \(follows)"
                    : "\(follows) is not a cluster resource: an address that follows it cannot be one (cluster = false)"
                problems.append(ConfigProblem(line: line, key: key, message: message))
            }
        }
    }
}
