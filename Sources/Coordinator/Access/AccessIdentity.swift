/// Who is calling, as a valid token names them: the token's `name` is the
/// identity that owns the leases it takes (a worker process's `workerName`
/// is only a label within it), and its role says what it may call.
struct AccessIdentity: Equatable, Sendable {
    var name: String
    var role: AccessRole
}
