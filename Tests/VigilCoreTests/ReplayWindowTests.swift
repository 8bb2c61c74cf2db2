import Testing
import VigilCore

@Suite struct ReplayWindowTests {
    /// Offers each (incarnation, sequence) to `window` in turn and returns which were accepted.
    func offer(_ packets: [(UInt64, UInt64)], to window: inout ReplayWindow) -> [Bool] {
        packets.map { window.accept(incarnation: $0.0, sequence: $0.1) }
    }

    func offer(_ packets: [(UInt64, UInt64)]) -> [Bool] {
        var window = ReplayWindow()
        return offer(packets, to: &window)
    }

    @Test func firstPacketOfAnyIncarnationIsAccepted() {
        var window = ReplayWindow()
        #expect(offer([(5, 1_000)], to: &window) == [true])
        #expect(window.incarnation == 5)
        #expect(window.highest == 1_000)
    }

    @Test func increasingSequencesAreAccepted() {
        let accepted = offer((1...200).map { (1, UInt64($0)) })
        #expect(accepted.allSatisfy { $0 })
    }

    @Test func duplicateOfTheLatestPacketIsRejected() {
        #expect(offer([(1, 10), (1, 10)]) == [true, false])
    }

    @Test func reorderedPacketWithin64IsAcceptedOnceAndItsReplayRejected() {
        #expect(offer([(1, 100), (1, 37), (1, 37), (1, 99), (1, 99)]) == [true, true, false, true, false])
    }

    @Test func sequence64OrMoreBehindTheHighestIsRejectedAsTooOld() {
        #expect(offer([(1, 100), (1, 36), (1, 0)]) == [true, false, false])
    }

    @Test func replayOfAnOldSequenceIsRejectedAfterTheWindowSlidPastIt() {
        #expect(offer([(1, 1), (1, 2), (1, 500), (1, 2), (1, 499)]) == [true, true, true, false, true])
    }

    @Test func slidingBySeveralKeepsWhatWasSeenWithinTheWindow() {
        #expect(offer([(1, 10), (1, 30), (1, 10), (1, 20)]) == [true, true, false, true])
    }

    @Test func newerIncarnationResetsTheWindowAndIsAccepted() {
        var window = ReplayWindow()
        #expect(offer([(1, 1_000), (2, 1), (2, 2)], to: &window) == [true, true, true])
        #expect(window.incarnation == 2)
        #expect(window.highest == 2)
    }

    @Test func olderIncarnationIsRejectedEvenWithANewSequence() {
        var window = ReplayWindow()
        #expect(offer([(2, 1), (1, 5_000)], to: &window) == [true, false])
        #expect(window.incarnation == 2)
    }

    @Test func sequenceNearUInt64MaxDoesNotOverflow() {
        let accepted = offer([(1, 0), (1, .max), (1, .max), (1, .max - 63), (1, .max - 64)])
        #expect(accepted == [true, true, false, true, false])
    }
}
