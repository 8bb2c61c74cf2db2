import Testing
import VigilLinux
import VigilTestSupport

@Suite struct JournalFieldNameTests {
    @Test(arguments: ["MESSAGE_ID", "VIGIL_TARGET", "ERRNO", "A1_B2"])
    func validJournalFieldNamesPassThroughUnchanged(key: String) {
        #expect(JournalFieldName.forMetadataKey(key) == key)
    }

    @Test(arguments: [
        ("error", "VIGIL_ERROR"),
        ("exit-code", "VIGIL_EXIT_CODE"),
        ("target.name", "VIGIL_TARGET_NAME"),
        ("_pid", "VIGIL_PID"),
        ("__Hidden", "VIGIL_HIDDEN"),
        ("_PID", "VIGIL_PID"),
        ("détail", "VIGIL_D__TAIL"),
        ("-", "VIGIL_KEY"),
    ])
    func otherKeysAreUpperCasedSanitisedAndPrefixed(key: String, expected: String) {
        #expect(JournalFieldName.forMetadataKey(key) == expected)
        #expect(JournalFieldName.isValid(expected))
    }

    @Test(arguments: ["MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER", "CODE_FILE", "CODE_LINE", "CODE_FUNC"])
    func metadataCannotReplaceTheFieldsTheLogCallSets(key: String) {
        #expect(JournalFieldName.forMetadataKey(key) == "VIGIL_" + key)
    }

    @Test func namesLongerThanJournaldAcceptsAreCutToSixtyFourBytes() {
        let name = JournalFieldName.forMetadataKey(String(repeating: "x", count: 100))
        #expect(name.utf8.count == 64)
        #expect(JournalFieldName.isValid(name))
        #expect(!JournalFieldName.isValid(String(repeating: "X", count: 65)))
    }

    @Test(arguments: ["", "_PID", "lower", "A-B", "A B"])
    func invalidNamesAreRecognised(name: String) {
        #expect(!JournalFieldName.isValid(name))
    }
}
