import Logging
import Testing
import VigilLinux

@Suite struct JournalEntryTests {
    private func entry(
        level: Logger.Level = .warning,
        message: String = "web exited with status 1",
        metadata: Logger.Metadata = [:]
    ) -> JournalEntry {
        JournalEntry(
            level: level,
            message: "\(message)",
            metadata: metadata,
            identifier: "vigild",
            file: "VigilDaemon/Engine.swift",
            line: 88,
            function: "handleExit(_:)"
        )
    }

    @Test func stderrLineHasPriorityPrefixMessageSortedFieldsAndSourceLocation() {
        let line = entry(metadata: [
            "VIGIL_TARGET": "web", "VIGIL_EVENT": "target-exited", "MESSAGE_ID": "d03c20bce83b4394a412c34f448982ce",
        ])
        .stderrLine
        #expect(
            line
                == "<4>vigild: web exited with status 1 MESSAGE_ID=d03c20bce83b4394a412c34f448982ce"
                + " VIGIL_EVENT=target-exited VIGIL_TARGET=web"
                + " CODE_FILE=VigilDaemon/Engine.swift CODE_LINE=88 CODE_FUNC=handleExit(_:)\n"
        )
    }

    @Test func valuesWithSpacesQuotesBackslashesOrNothingAreQuoted() {
        let line = entry(metadata: [
            "a": "two words", "b": "say \"hi\"", "c": #"C:\dir"#, "d": "", "e": "plain=ok",
        ])
        .stderrLine
        #expect(
            line.contains(
                #"VIGIL_A="two words" VIGIL_B="say \"hi\"" VIGIL_C="C:\\dir" VIGIL_D="" VIGIL_E=plain=ok "#
            )
        )
    }

    @Test func newlinesAndControlCharactersAreEscapedSoTheEntryStaysOneLine() {
        let line = entry(message: "first\nsecond\tthird", metadata: ["output": "line 1\nline 2\r\u{1B}[0m\u{2028}"])
            .stderrLine
        #expect(line.hasPrefix(#"<4>vigild: first\nsecond\tthird VIGIL_OUTPUT="line 1\nline 2\r\u{1B}[0m\u{2028}" "#))
        #expect(line.filter(\.isNewline).count == 1)
        #expect(line.hasSuffix("\n"))
    }

    @Test func anEmptyIdentifierLeavesOnlyThePriorityPrefix() {
        var entry = entry()
        entry.identifier = ""
        #expect(entry.stderrLine.hasPrefix("<4>web exited"))
        #expect(!entry.journalFields.contains { $0.name == "SYSLOG_IDENTIFIER" })
    }

    @Test(arguments: [
        (Logger.Level.trace, 7), (.debug, 7), (.info, 6), (.notice, 5), (.warning, 4), (.error, 3), (.critical, 2),
    ])
    func swiftLogLevelsMapToSyslogPriorities(level: Logger.Level, priority: Int) {
        #expect(JournalEntry.syslogPriority(for: level) == priority)
        #expect(entry(level: level).journalFields.contains(JournalField(name: "PRIORITY", value: "\(priority)")))
    }

    @Test func journalFieldsCarryMessageIdentityMetadataAndSourceInOrder() {
        let fields = entry(metadata: ["error": "boom", "VIGIL_TARGET": "web"]).journalFields
        #expect(
            fields == [
                JournalField(name: "MESSAGE", value: "web exited with status 1"),
                JournalField(name: "PRIORITY", value: "4"),
                JournalField(name: "SYSLOG_IDENTIFIER", value: "vigild"),
                JournalField(name: "VIGIL_ERROR", value: "boom"),
                JournalField(name: "VIGIL_TARGET", value: "web"),
                JournalField(name: "CODE_FILE", value: "VigilDaemon/Engine.swift"),
                JournalField(name: "CODE_LINE", value: "88"),
                JournalField(name: "CODE_FUNC", value: "handleExit(_:)"),
            ]
        )
    }

    @Test func arraysAndDictionariesAreRenderedReadablyWithSortedKeys() {
        #expect(JournalEntry.render(["a", "b"]) == "[a, b]")
        #expect(JournalEntry.render(["z": "1", "a": ["x", "y"]]) == "[a: [x, y], z: 1]")
        #expect(JournalEntry.render(.stringConvertible(42)) == "42")
    }
}
