/// The domain a line of `virsh event --all --loop` is about: `event 'lifecycle' for domain 'web': Started Booted`
/// (or with `--timestamp`, the same after a time and ": "). One watcher per libvirt connection reads every domain's
/// events on one stream and hands each line to the domain it names.
public enum LibvirtEventLine {
    /// The domain named in `line`, or `nil` for a line that names none. Domain names vigild follows hold no single
    /// quote (the configuration refuses them), so the name ends at the first `': `.
    public static func domain(of line: Substring) -> Substring? {
        guard let event = line.range(of: "event '"),
            event.lowerBound == line.startIndex || line[..<event.lowerBound].hasSuffix(": "),
            let marker = line[event.upperBound...].range(of: "' for domain '")
        else { return nil }
        let rest = line[marker.upperBound...]
        guard let end = rest.range(of: "': ") else { return nil }
        return rest[..<end.lowerBound]
    }

    /// Whether `line` is a UUID as `virsh domuuid` prints it (`8-4-4-4-12` hex digits).
    public static func isUUID(_ line: Substring) -> Bool {
        let groups = line.split(separator: "-", omittingEmptySubsequences: false)
        return groups.map(\.count) == [8, 4, 4, 4, 12] && groups.allSatisfy { $0.allSatisfy(\.isHexDigit) }
    }
}
