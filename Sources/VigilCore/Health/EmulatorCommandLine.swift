/// What the command line of a QEMU that libvirt started says about its domain: the name from `-name
/// guest=NAME,debug-threads=on` (older libvirt: `-name NAME`) and the UUID from `-uuid UUID`. It is how vigild tells
/// which process in `/proc` is a domain's emulator: by the UUID where libvirt told it, else by the name.
public struct EmulatorCommandLine: Sendable, Equatable {
    /// The domain's name, commas unescaped (QEMU's option syntax doubles them).
    public var domain: String?
    /// The domain's UUID, as written (lower-case hex with dashes).
    public var uuid: String?

    public init(domain: String? = nil, uuid: String? = nil) {
        self.domain = domain
        self.uuid = uuid
    }

    /// Parses the text of `/proc/PID/cmdline`: the arguments, each ended by a NUL.
    public static func parse(_ text: String) -> EmulatorCommandLine {
        let arguments = text.split(separator: "\0", omittingEmptySubsequences: false)
        var result = EmulatorCommandLine()
        for index in arguments.indices.dropLast() {
            let value = arguments[index + 1]
            switch arguments[index] {
            case "-name":
                let spec = value.hasPrefix("guest=") ? value.dropFirst("guest=".count) : value
                result.domain = firstOption(spec)
            case "-uuid":
                result.uuid = String(value)
            default:
                continue
            }
        }
        return result
    }

    /// Whether this is the emulator of the domain: the same UUID when both are known, else the same name.
    /// - Parameters:
    ///   - domain: the domain's name.
    ///   - uuid: the domain's UUID, when libvirt has said it.
    public func runs(domain: String, uuid: String?) -> Bool {
        if let uuid, let own = self.uuid {
            return own.lowercased() == uuid.lowercased()
        }
        return self.domain == domain
    }

    /// The first value of a QEMU option string, up to the first single comma (`,,` is a comma).
    private static func firstOption(_ spec: Substring) -> String {
        var result = ""
        var index = spec.startIndex
        while index < spec.endIndex {
            let character = spec[index]
            let next = spec.index(after: index)
            if character == "," {
                guard next < spec.endIndex, spec[next] == "," else { break }
                result.append(",")
                index = spec.index(after: next)
                continue
            }
            result.append(character)
            index = next
        }
        return result
    }
}
