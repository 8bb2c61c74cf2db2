/// A POSIX signal by its Linux number. Kept in `VigilCore` (which has no Glibc) so configuration can name signals.
public struct Signal: Sendable, Hashable, CustomStringConvertible {
    public var number: Int32

    public init(number: Int32) {
        self.number = number
    }

    public static let hup = Signal(number: 1)
    public static let int = Signal(number: 2)
    public static let quit = Signal(number: 3)
    public static let kill = Signal(number: 9)
    public static let usr1 = Signal(number: 10)
    public static let usr2 = Signal(number: 12)
    public static let term = Signal(number: 15)
    public static let cont = Signal(number: 18)
    public static let stop = Signal(number: 19)
    public static let winch = Signal(number: 28)

    /// Names as written in configuration and shown in events, without the `SIG` prefix.
    public static let names: [String: Signal] = [
        "HUP": .hup, "INT": .int, "QUIT": .quit, "KILL": .kill, "USR1": .usr1, "USR2": .usr2, "TERM": .term,
        "CONT": .cont, "STOP": .stop, "WINCH": .winch, "ABRT": Signal(number: 6), "ALRM": Signal(number: 14),
        "PWR": Signal(number: 30), "SEGV": Signal(number: 11), "BUS": Signal(number: 7),
        "FPE": Signal(number: 8), "ILL": Signal(number: 4), "PIPE": Signal(number: 13), "TRAP": Signal(number: 5),
        "SYS": Signal(number: 31), "XCPU": Signal(number: 24), "XFSZ": Signal(number: 25),
    ]

    /// Parses `"TERM"`, `"SIGTERM"` or `"15"`.
    public init?(name: String) {
        var upper = name.uppercased()
        if upper.hasPrefix("SIG") {
            upper.removeFirst(3)
        }
        if let known = Self.names[upper] {
            self = known
        } else if let number = Int32(name), number > 0, number < 65 {
            self.init(number: number)
        } else {
            return nil
        }
    }

    /// `SIGTERM`, or `SIG42` for a signal without a name here.
    public var description: String {
        if let name = Self.names.first(where: { $0.value == self })?.key {
            return "SIG" + name
        }
        return "SIG\(number)"
    }
}
