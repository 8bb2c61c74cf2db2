/// Sizes as the configuration writes them and as messages show them.
public enum ByteCount {
    /// Binary multiples: `K`/`KiB` = 1024, `M`/`MiB`, `G`/`GiB`, `T`/`TiB`; `B` or no unit = bytes. `KB`/`MB`/…
    /// are accepted as the same binary units, as the kernel and systemd read them.
    static let units: [String: UInt64] = [
        "": 1, "B": 1,
        "K": 1 << 10, "KB": 1 << 10, "KiB": 1 << 10,
        "M": 1 << 20, "MB": 1 << 20, "MiB": 1 << 20,
        "G": 1 << 30, "GB": 1 << 30, "GiB": 1 << 30,
        "T": 1 << 40, "TB": 1 << 40, "TiB": 1 << 40,
    ]

    /// Parses `"512M"`, `"1.5G"`, `"4096"`, `"2 GiB"`; nil for anything else (negative, empty, unknown unit).
    public static func parse(_ text: String) -> UInt64? {
        let trimmed = text.trimmingSpaces
        let numberEnd = trimmed.firstIndex { !($0.isASCII && ($0.isNumber || $0 == ".")) } ?? trimmed.endIndex
        let number = trimmed[..<numberEnd]
        let unit = String(trimmed[numberEnd...]).trimmingSpaces
        guard !number.isEmpty, let multiplier = units[unit], let value = Double(number), value.isFinite else {
            return nil
        }
        let bytes = (value * Double(multiplier)).rounded()
        guard bytes < Double(UInt64.max) else { return nil }
        return UInt64(bytes)
    }

    /// `512 MiB`, `1.5 GiB`, `300 B`: the largest binary unit that keeps the figure at least 1.
    public static func text(_ bytes: UInt64) -> String {
        let names = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var index = 0
        while value >= 1024, index < names.count - 1 {
            value /= 1024
            index += 1
        }
        let rounded = (value * 10).rounded() / 10
        let figure = rounded == rounded.rounded() ? String(Int64(rounded)) : String(rounded)
        return figure + " " + names[index]
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        String(self).trimmingSpaces
    }
}
