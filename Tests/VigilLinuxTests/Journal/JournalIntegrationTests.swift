import Glibc
import Logging
import Testing
import VigilLinux
import VigilTestSupport

extension SystemIntegrationTests {
    /// Against a real journald, which a test starts when none is running.
    @Suite struct JournalIntegrationTests {
        private func uniqueMarker() -> String {
            "\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        }

        @Test func handlerEntryReachesTheJournalWithEveryField() async throws {
            try await Journald.withRunningJournal {
                let marker = uniqueMarker()
                let logger = Logger(label: "test") { label in JournalLogHandler(label: label, identifier: "vigil-test")
                }
                let line = #line + 1
                logger.warning(
                    "web exited with status 1 (\(marker))",
                    metadata: [
                        "MESSAGE_ID": "d03c20bce83b4394a412c34f448982ce",
                        "VIGIL_TARGET": "web",
                        "marker": "\(marker)",
                        "output": "first line\nsecond line",
                    ]
                )

                let entries = try await Journald.entries(matching: ["VIGIL_MARKER=\(marker)"])
                try #require(entries.count == 1)
                let entry = entries[0]
                #expect(entry["MESSAGE"] == "web exited with status 1 (\(marker))")
                #expect(entry["PRIORITY"] == "4")
                #expect(entry["SYSLOG_IDENTIFIER"] == "vigil-test")
                #expect(entry["MESSAGE_ID"] == "d03c20bce83b4394a412c34f448982ce")
                #expect(entry["VIGIL_TARGET"] == "web")
                #expect(entry["VIGIL_OUTPUT"] == "first line\nsecond line")
                #expect(entry["CODE_FILE"] == #fileID)
                #expect(entry["CODE_LINE"] == "\(line)")
                #expect(entry["CODE_FUNC"] == #function)
                #expect(entry["_PID"] == "\(getpid())")
            }
        }

        @Test func autoTargetLogsToTheJournalWhenItAnswers() async throws {
            try await Journald.withRunningJournal {
                #expect(LogBackend.makeHandler(label: "test", target: .auto) is JournalLogHandler)
            }
        }

        @Test func nativeProtocolSenderFramesMultiLineValuesAsJournaldExpects() async throws {
            try await Journald.withRunningJournal {
                let marker = uniqueMarker()
                try JournalSender.socket(path: LogBackend.journalSocketPath).send([
                    JournalField(name: "MESSAGE", value: "native \(marker)"),
                    JournalField(name: "PRIORITY", value: "6"),
                    JournalField(name: "VIGIL_MARKER", value: marker),
                    JournalField(name: "VIGIL_OUTPUT", value: "a=b\nc\n"),
                ])

                let entries = try await Journald.entries(matching: ["VIGIL_MARKER=\(marker)"])
                try #require(entries.count == 1)
                #expect(entries[0]["MESSAGE"] == "native \(marker)")
                #expect(entries[0]["PRIORITY"] == "6")
                #expect(entries[0]["VIGIL_OUTPUT"] == "a=b\nc\n")
            }
        }

        @Test func streamLinesBecomeEntriesUnderTheChildsIdentifier() async throws {
            try await Journald.withRunningJournal {
                let identifier = "vigil-test-\(uniqueMarker())"
                let fd = try #require(JournalStream.openStream(identifier: identifier, priority: 3))
                #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0)
                let text = "child says hello\n<6>child says info\n"
                let written = text.withCString { write(fd, $0, strlen($0)) }
                close(fd)
                #expect(written == text.utf8.count)

                var entries: [[String: String]] = []
                for _ in 0..<50 where entries.count < 2 {
                    entries = try await Journald.entries(matching: ["SYSLOG_IDENTIFIER=\(identifier)"])
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(entries.map { $0["MESSAGE"] } == ["child says hello", "child says info"])
                #expect(entries.map { $0["PRIORITY"] } == ["3", "6"])
            }
        }
    }
}
