import VigilCore
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

/// vigilctl's standard output and error, and what the renderers need to know about the terminal.
///
/// Output goes through `LineWriter` (one `write` per line, unbuffered) so that `events --follow | grep` sees each
/// event as it happens instead of when a stdio buffer fills.
enum Console {
    static let standardOutput = LineWriter(fileDescriptor: STDOUT_FILENO)

    /// Writes `text` to standard output as it is (end it with a newline).
    static func out(_ text: String) {
        standardOutput.write(text)
    }

    /// Writes `line` and a newline to standard error.
    static func error(_ line: String) {
        LineWriter.standardError.write(line + "\n")
    }

    /// Colour only for a person at a terminal who has not asked for none (https://no-color.org: any non-empty
    /// `NO_COLOR`).
    static var wantsColor: Bool {
        guard isatty(STDOUT_FILENO) == 1 else { return false }
        return (ProcessEnvironment.current()["NO_COLOR"] ?? "").isEmpty
    }

    /// Rendering options for now, with colour as the terminal allows and the C library's time zone.
    static func renderOptions() -> ControlRenderOptions {
        ControlRenderOptions(
            color: wantsColor,
            nowMicroseconds: Int64(RealtimeClock.nanoseconds() / 1_000),
            utcOffset: { RealtimeClock.utcOffset(atEpochSeconds: $0) }
        )
    }
}
