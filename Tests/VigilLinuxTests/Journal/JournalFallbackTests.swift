import Glibc
import Logging
import Testing
import VigilLinux
import VigilTestSupport

@Suite struct JournalFallbackTests {
    @Test func entryGoesToTheFallbackAsOneLineWhenTheJournalSocketDoesNotExist() throws {
        let pipe = try TestPipe()
        let handler = JournalLogHandler(
            label: "test",
            identifier: "vigild",
            destination: .journal(
                .socket(path: "/nonexistent/vigil-\(UInt32.random(in: 0...UInt32.max))/socket"),
                fallback: LineWriter(fileDescriptor: pipe.writeEnd)
            )
        )
        let logger = Logger(label: "test") { _ in handler }
        let line = #line + 1
        logger.error("web exited with status 1", metadata: ["VIGIL_TARGET": "web", "detail": "a\nb"])

        #expect(
            pipe.readAvailable()
                == "<3>vigild: web exited with status 1 VIGIL_DETAIL=\"a\\nb\" VIGIL_TARGET=web"
                + " CODE_FILE=\(#fileID) CODE_LINE=\(line) CODE_FUNC=\(#function)\n"
        )
    }

    @Test func entryGoesToTheFallbackWhenTheSenderFails() throws {
        let pipe = try TestPipe()
        let refused = JournalSender { _ throws(SystemError) in
            throw SystemError(call: "sd_journal_sendv", errno: ECONNREFUSED)
        }
        var logger = Logger(label: "test") { label in
            JournalLogHandler(
                label: label,
                destination: .journal(refused, fallback: LineWriter(fileDescriptor: pipe.writeEnd))
            )
        }
        logger[metadataKey: "target"] = "db"
        logger.info("first", metadata: ["target": "web"])
        logger.info("second")

        let lines = pipe.readAvailable().split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.hasPrefix("<6>vigild: first VIGIL_TARGET=web CODE_FILE=") == true)
        #expect(lines.last?.hasPrefix("<6>vigild: second VIGIL_TARGET=db CODE_FILE=") == true)
    }

    @Test func stderrHandlerWritesTheSameLineTheJournalFallbackWould() throws {
        let pipe = try TestPipe()
        let logger = Logger(label: "test") { label in
            JournalLogHandler(
                label: label,
                identifier: "vigild",
                destination: .lines(LineWriter(fileDescriptor: pipe.writeEnd))
            )
        }
        let line = #line + 1
        logger.notice("ready", metadata: ["MESSAGE_ID": "5c36784f0a39499186e9ae98f11f2b52"])

        #expect(
            pipe.readAvailable()
                == "<5>vigild: ready MESSAGE_ID=5c36784f0a39499186e9ae98f11f2b52"
                + " CODE_FILE=\(#fileID) CODE_LINE=\(line) CODE_FUNC=\(#function)\n"
        )
    }
}
