/// One line of `virsh event --all --loop` that is not a lifecycle event but tells of a fault inside the domain:
///
/// - `event 'watchdog' for domain 'web': none`: the guest's virtual watchdog (`<watchdog model='i6300esb'>`)
///   expired; the word is the action libvirt took (`none`, `reset`, `poweroff`, `pause`, `dump`, `inject-nmi`).
/// - `event 'io-error' for domain 'web': /var/lib/libvirt/images/web.qcow2 (virtio-disk0) pause`: a disk I/O
///   error; path, device alias and the action (`pause` by default: the domain is paused).
public enum LibvirtDomainNotice: Sendable, Equatable {
    case watchdog(action: String)
    case ioError(detail: String)

    /// Parses a line about `domain` (matched whole); `nil` for any other line.
    public init?(line: Substring, domain: String) {
        for (kind, make) in [("watchdog", Self.watchdog(action:)), ("io-error", Self.ioError(detail:))] {
            let prefix = "event '\(kind)' for domain '\(domain)': "
            guard let start = line.range(of: prefix),
                start.lowerBound == line.startIndex || line[..<start.lowerBound].hasSuffix(": ")
            else { continue }
            self = make(String(line[start.upperBound...]))
            return
        }
        return nil
    }
}
