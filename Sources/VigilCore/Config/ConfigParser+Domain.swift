extension ConfigParser {
    /// The keys of a `vm` target driven through libvirt.
    static let domainKeys = ["domain", "uri", "snapshot", "shutdown_timeout", "channel", "emulator_pid_file"]

    /// `domain` and its settings, for a `vm` target driven through libvirt; refused on every other kind, and the
    /// settings refused without `domain`.
    /// - Returns: the domain's settings, or `nil` when the target has none or they have a problem (recorded).
    static func parseDomain(
        _ reader: ConfigTableReader,
        kind: TargetKind,
        problems: inout [ConfigProblem]
    ) -> DomainConfig? {
        let present = domainKeys.filter { reader.value($0) != nil }
        guard kind == .vm else {
            for key in present {
                problems.append(reader.problem(key, "only for kind = \"vm\" targets driven by libvirt"))
            }
            return nil
        }
        guard reader.value("domain") != nil else {
            for key in present {
                problems.append(reader.problem(key, "only with domain = \"NAME\" (a vm driven by libvirt)"))
            }
            return nil
        }
        if reader.value("start") != nil {
            let message = "not with domain: libvirt starts the domain (virsh start), vigild runs no start command"
            problems.append(reader.problem("start", message))
        }
        let name = libvirtName(reader, "domain", what: "domain name", problems: &problems)
        let snapshot = libvirtName(reader, "snapshot", what: "snapshot name", problems: &problems)
        let uri = parseURI(reader, problems: &problems)
        var shutdownTimeout = reader.duration("shutdown_timeout", problems: &problems)
        if shutdownTimeout == .zero {
            problems.append(reader.problem("shutdown_timeout", "must be more than 0s (the guest's time to shut down)"))
            shutdownTimeout = nil
        }
        var channel = reader.nonEmptyString("channel", problems: &problems)
        if let path = channel, !path.hasPrefix("/") {
            let message =
                "must be the absolute path of the channel's host socket, found \(ConfigTableReader.quoted(path))"
            problems.append(reader.problem("channel", message))
            channel = nil
        }
        var pidFile = reader.nonEmptyString("emulator_pid_file", problems: &problems)
        if let path = pidFile, !path.hasPrefix("/") {
            let message =
                "must be the absolute path of the PID file libvirt writes for the domain's QEMU, found "
                + ConfigTableReader.quoted(path)
            problems.append(reader.problem("emulator_pid_file", message))
            pidFile = nil
        }
        guard let name, reader.value("snapshot") == nil || snapshot != nil, let uri else { return nil }
        guard reader.value("channel") == nil || channel != nil else { return nil }
        guard reader.value("emulator_pid_file") == nil || pidFile != nil else { return nil }
        return DomainConfig(
            name: name,
            uri: uri,
            snapshot: snapshot,
            shutdownTimeout: shutdownTimeout ?? DomainConfig.defaultShutdownTimeout,
            channel: channel,
            emulatorPidFile: pidFile
        )
    }

    /// A domain or snapshot name. It is passed to `virsh` as an argument and, quoted, inside the watcher's command
    /// line, so quotes, backslashes, control characters and a leading `-` (an option to virsh) are refused, and so
    /// is `/`, which libvirt refuses in names.
    private static func libvirtName(
        _ reader: ConfigTableReader,
        _ key: String,
        what: String,
        problems: inout [ConfigProblem]
    ) -> String? {
        guard let name = reader.nonEmptyString(key, problems: &problems) else { return nil }
        let forbidden: Set<Unicode.Scalar> = ["'", "\"", "\\", "/"]
        let valid =
            !name.hasPrefix("-")
            && name.unicodeScalars.allSatisfy { !forbidden.contains($0) && $0.value >= 0x20 && $0.value != 0x7f }
        guard valid else {
            let rule = "no quotes, backslashes, / or control characters, and no leading -"
            problems.append(reader.problem(key, "invalid \(what) \(ConfigTableReader.quoted(name)) (\(rule))"))
            return nil
        }
        return name
    }

    /// `uri`: a libvirt connection URI, `driver[+transport]://[host]/path[?parameters]`.
    private static func parseURI(_ reader: ConfigTableReader, problems: inout [ConfigProblem]) -> String? {
        guard reader.value("uri") != nil else { return DomainConfig.defaultURI }
        guard let uri = reader.nonEmptyString("uri", problems: &problems) else { return nil }
        let scheme = uri.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
        let valid =
            uri.contains("://") && !scheme.isEmpty && !uri.hasPrefix("-")
            && uri.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7f }
        guard valid else {
            let message =
                "\(ConfigTableReader.quoted(uri)) is not a libvirt connection URI (e.g. \"qemu:///system\")"
            problems.append(reader.problem("uri", message))
            return nil
        }
        return uri
    }
}
