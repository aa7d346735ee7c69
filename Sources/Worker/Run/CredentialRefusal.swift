import Synchronization

/// The first 401 or 403 the coordinator gave this worker. It ends the loop:
/// no retry can fix a token or a role, so the worker stops and exits with
/// status 64, which its systemd unit does not restart.
struct CredentialRefusal: Equatable, Sendable {
    var status: Int
    var message: String
}

/// Where the loop's calls report a refused credential; the first one wins,
/// and `event` tells the loop to stop.
final class CredentialRefusalLatch: Sendable {
    private let first = Mutex<CredentialRefusal?>(nil)
    let event = OneShotEvent()

    init() {}

    var refusal: CredentialRefusal? { first.withLock { $0 } }

    /// Records `error` if it is a refused credential; true if it was.
    @discardableResult
    func record(_ error: any Error) -> Bool {
        guard case .notAllowed(let status, let message)? = error as? CoordinatorCallError else { return false }
        first.withLock { if $0 == nil { $0 = CredentialRefusal(status: status, message: message) } }
        event.fire()
        return true
    }
}
