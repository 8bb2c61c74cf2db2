import Testing
import VigilCore

@Suite struct LeaseDeadlineTests {
    private func at(_ milliseconds: Int64) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: milliseconds * 1_000_000)
    }

    @Test func deadlineCountsFromTheSendTimeOfTheAcknowledgedKeepaliveNotFromItsAnswer() {
        var lease = LeaseDeadline(ttl: .seconds(2), grantSentAt: at(0))
        #expect(lease.deadline == at(2_000))
        lease.keepaliveSent(at: at(500), on: 0)
        // The answer took 400 ms: the lease is only sure to live until 2 s after the send.
        lease.keepaliveAcknowledged(on: 0, grantedTTL: .seconds(2), at: at(900))
        #expect(lease.deadline == at(2_500))
        #expect(lease.expire(at: at(2_499)) == nil)
        #expect(lease.expire(at: at(2_500)) == .deadlinePassed(at(2_500)))
        #expect(lease.deadline == nil)
    }

    @Test func answersBelongToKeepalivesInTheOrderTheyWereSent() {
        var lease = LeaseDeadline(ttl: .seconds(2), grantSentAt: at(0))
        lease.keepaliveSent(at: at(500), on: 0)
        lease.keepaliveSent(at: at(1_000), on: 0)
        lease.keepaliveAcknowledged(on: 0, grantedTTL: .seconds(2), at: at(1_100))
        #expect(lease.deadline == at(2_500), "the first answer is the 500 ms keepalive's")
        #expect(lease.oldestUnansweredAge(on: 0, at: at(1_300)) == .milliseconds(300))
        lease.keepaliveAcknowledged(on: 0, grantedTTL: .seconds(2), at: at(1_200))
        #expect(lease.deadline == at(3_000))
        #expect(lease.oldestUnansweredAge(on: 0, at: at(1_300)) == nil)
    }

    @Test func keepalivesLostWithABrokenStreamNeverExtendTheLease() {
        var lease = LeaseDeadline(ttl: .seconds(2), grantSentAt: at(0))
        lease.keepaliveSent(at: at(500), on: 0)
        lease.streamEnded(0)
        #expect(lease.oldestUnansweredAge(on: 0, at: at(600)) == nil)
        // An answer with nothing in flight on the new stream changes nothing.
        lease.keepaliveAcknowledged(on: 0, grantedTTL: .seconds(2), at: at(700))
        #expect(lease.deadline == at(2_000))
        lease.keepaliveSent(at: at(800), on: 0)
        lease.keepaliveAcknowledged(on: 0, grantedTTL: .seconds(2), at: at(850))
        #expect(lease.deadline == at(2_800))
    }

    @Test func eachStreamMatchesItsAnswersToItsOwnKeepalives() {
        var lease = LeaseDeadline(ttl: .seconds(2), grantSentAt: at(0))
        lease.keepaliveSent(at: at(500), on: 1)
        // Stream 1's member does not answer; a second stream goes to another member.
        lease.keepaliveSent(at: at(1_000), on: 2)
        lease.keepaliveAcknowledged(on: 2, grantedTTL: .seconds(2), at: at(1_010))
        #expect(lease.deadline == at(3_000), "the answer is the 1 s keepalive's, not stream 1's older one")
        #expect(lease.oldestUnansweredAge(on: 1, at: at(1_010)) == .milliseconds(510))
        lease.streamEnded(1)
        #expect(lease.oldestUnansweredAge(on: 1, at: at(1_010)) == nil)
        // A late answer on a stream already ended counts for nothing.
        lease.keepaliveAcknowledged(on: 1, grantedTTL: .seconds(2), at: at(1_020))
        #expect(lease.deadline == at(3_000))
    }

    @Test func anAnswerAfterTheDeadlineDoesNotReviveTheLease() {
        var lease = LeaseDeadline(ttl: .seconds(2), grantSentAt: at(0))
        lease.keepaliveSent(at: at(1_900), on: 0)
        lease.keepaliveAcknowledged(on: 0, grantedTTL: .seconds(2), at: at(2_100))
        #expect(lease.state == .lost(.deadlinePassed(at(2_000))))
    }

    @Test func aZeroTTLAnswerMeansTheLeaseIsGoneAtEtcd() {
        var lease = LeaseDeadline(ttl: .seconds(2), grantSentAt: at(0))
        lease.keepaliveSent(at: at(500), on: 0)
        lease.keepaliveAcknowledged(on: 0, grantedTTL: .zero, at: at(510))
        #expect(lease.state == .lost(.expiredAtEtcd))
        lease.keepaliveSent(at: at(600), on: 0)
        #expect(lease.state == .lost(.expiredAtEtcd))
    }

    @Test func theMarginBringsTheLossForwardByTheTimeNeededToAct() {
        var lease = LeaseDeadline(ttl: .seconds(5), grantSentAt: at(0))
        #expect(lease.expire(at: at(3_999), margin: .seconds(1)) == nil)
        #expect(lease.expire(at: at(4_000), margin: .seconds(1)) == .deadlinePassed(at(5_000)))
    }
}
