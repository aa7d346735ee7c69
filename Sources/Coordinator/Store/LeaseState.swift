/// A lease's life (`lease.state`). It is `active` until its expiry, then
/// `expired` once a grant notices; a heartbeat or its result still revives
/// it until its unit is leased again, which makes it `superseded`. It ends
/// `completed` with its result, `released` by its worker, or `cancelled`
/// with its run.
enum LeaseState: String, StoredEnum {
    case active, expired, completed, released, superseded, cancelled

    /// Whether its worker may still heartbeat, deliver or release it.
    var isUnfinished: Bool { self == .active || self == .expired }
}
